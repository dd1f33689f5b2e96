/// An error with a one-line, user-facing message that says what went wrong and where
/// (the file, the option or the tensor name).
public struct LMConvError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
