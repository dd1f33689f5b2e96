/// What went wrong, and where: the one error type of the package.
///
/// Each case says what kind of failure it is, so callers can branch on it (a server answers `fileNotFound` and
/// `invalidArgument` differently); ``message`` is the one-line, user-facing text, which names the file, option or
/// value concerned. `path` and `source` name a file (or an entry in one, or the data a value came from); `reason`
/// is the rest of the message.
public enum LMConvError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing at `path`, or not what was looked for there (no images in a folder, no run to resume).
    case fileNotFound(path: String, reason: String)
    /// `path` exists but cannot be read or listed.
    case unreadable(path: String, reason: String)
    /// `path` cannot be written or created.
    case unwritable(path: String, reason: String)
    /// `path` already holds something that would be overwritten (a training run).
    case alreadyExists(path: String, reason: String)
    /// The content of `source` (a file, or an entry or tensor in one) is truncated, damaged or not in the format
    /// expected.
    case corruptFile(source: String, reason: String)
    /// Well-formed input this package does not handle: a dtype, an image format, a file version, a pickled global.
    case unsupported(source: String? = nil, reason: String)
    /// Sizes that do not fit together: images and model, weights and parameters, a mask and its images.
    case shapeMismatch(source: String? = nil, reason: String)
    /// Settings that cannot work together: a model configuration, a training schedule, a saved training state, an
    /// import that lacks values.
    case invalidConfiguration(source: String? = nil, reason: String)
    /// A bad value given to the library: an unknown order name, a region outside the image, an empty dataset.
    case invalidArgument(source: String? = nil, reason: String)
    /// A command-line option `name` (given `value`, when it is worth repeating) that cannot be used.
    case invalidOption(name: String, value: String? = nil, reason: String)
    /// Training produced a non-finite loss or gradient at optimizer step `step` (counted from 1).
    case diverged(step: Int, reason: String)
    /// The work was cancelled before it finished.
    case cancelled
    /// `underlying`, concerning `context` (the option or file it came through): "context: underlying message".
    indirect case context(String, underlying: LMConvError)

    /// The one-line message: what went wrong and where.
    public var message: String {
        switch self {
        case .fileNotFound(let path, let reason), .unreadable(let path, let reason), .unwritable(let path, let reason),
             .alreadyExists(let path, let reason), .corruptFile(let path, let reason):
            return "\(path): \(reason)"
        case .unsupported(let source, let reason), .shapeMismatch(let source, let reason),
             .invalidConfiguration(let source, let reason), .invalidArgument(let source, let reason):
            return source.map { "\($0): \(reason)" } ?? reason
        case .invalidOption(let name, let value, let reason):
            return "\(name)\(value.map { " \($0)" } ?? ""): \(reason)"
        case .diverged(_, let reason):
            return "training diverged: \(reason)"
        case .cancelled:
            return "cancelled"
        case .context(let context, let underlying):
            return "\(context): \(underlying.message)"
        }
    }

    public var description: String { message }

    /// The error without its ``context(_:underlying:)`` wrappers: the case to branch on.
    public var root: LMConvError {
        if case .context(_, let underlying) = self { return underlying.root }
        return self
    }

    /// This error with `note` appended to its message (the same case, the note at the end of its reason;
    /// ``cancelled`` stays as it is).
    public func appending(_ note: String) -> LMConvError {
        switch self {
        case .fileNotFound(let path, let reason): return .fileNotFound(path: path, reason: reason + note)
        case .unreadable(let path, let reason): return .unreadable(path: path, reason: reason + note)
        case .unwritable(let path, let reason): return .unwritable(path: path, reason: reason + note)
        case .alreadyExists(let path, let reason): return .alreadyExists(path: path, reason: reason + note)
        case .corruptFile(let source, let reason): return .corruptFile(source: source, reason: reason + note)
        case .unsupported(let source, let reason): return .unsupported(source: source, reason: reason + note)
        case .shapeMismatch(let source, let reason): return .shapeMismatch(source: source, reason: reason + note)
        case .invalidConfiguration(let source, let reason):
            return .invalidConfiguration(source: source, reason: reason + note)
        case .invalidArgument(let source, let reason): return .invalidArgument(source: source, reason: reason + note)
        case .invalidOption(let name, let value, let reason):
            return .invalidOption(name: name, value: value, reason: reason + note)
        case .diverged(let step, let reason): return .diverged(step: step, reason: reason + note)
        case .cancelled: return self
        case .context(let context, let underlying): return .context(context, underlying: underlying.appending(note))
        }
    }
}
