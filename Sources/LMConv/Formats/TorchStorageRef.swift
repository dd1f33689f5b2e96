/// A storage as named by a PyTorch persistent id.
struct TorchStorageRef {
    var key: String
    var dtype: TorchDType
    var location: String
    /// The element count the pickle announces.
    var count: Int
    /// Legacy format only: this storage is `count` elements of root storage `key` starting at `offset`, shared by
    /// every view with the same `viewKey`.
    var view: (viewKey: String, offset: Int, count: Int)?
}
