/// A tensor as described by `torch._utils._rebuild_tensor_v2`.
struct TorchTensorRef {
    var storage: TorchStorageRef
    var offset: Int
    var size: [Int]
    var stride: [Int]
    var requiresGrad: Bool
}
