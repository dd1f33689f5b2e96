/// The centre tap of a kernel mask: type A hides a pixel from itself (the first layer), type B lets a location
/// see its own features (every later layer).
public enum MaskType: Sendable, Equatable {
    case a, b
}
