import Foundation

/// A PyTorch checkpoint (`torch.save` output) read without Python: the pickled object as plain data, with every
/// tensor copied out of its storage.
///
/// Both serialisations are understood: the zip archive of torch >= 1.6 (`<name>/data.pkl` plus one raw file per
/// storage under `<name>/data/`) and the legacy stream of torch < 1.6 (consecutive pickles followed by the raw
/// storages). Only plain data and tensors are decoded; a pickle naming any other Python global is refused.
public struct TorchCheckpoint: Sendable {
    /// The two on-disk layouts of `torch.save`.
    public enum Format: String, Sendable {
        /// torch >= 1.6: a zip archive.
        case zip
        /// torch < 1.6 (or `_use_new_zipfile_serialization=False`): consecutive pickles and raw storages.
        case legacy
    }

    /// The saved object (for the reference's training script, a dict with `epoch`, `global_step`, `args`,
    /// `model_state_dict` and `optimizer_state_dict`).
    public var root: PickleValue
    /// The serialisation the file used.
    public var format: Format
    /// The file's path, used in error messages.
    public var source: String

    /// Wraps an already decoded object (`source` names it in error messages).
    public init(root: PickleValue, format: Format, source: String) {
        self.root = root
        self.format = format
        self.source = source
    }

    /// Reads a checkpoint in either serialisation, detected from the file's first bytes.
    public static func read(contentsOf url: URL) throws -> TorchCheckpoint {
        let source = url.path
        guard FileManager.default.fileExists(atPath: source) else {
            throw LMConvError.fileNotFound(path: source, reason: "no such checkpoint file")
        }
        switch try FileKind.at(path: source) {
        case .zipArchive:
            return TorchCheckpoint(root: try readZip(url: url, source: source), format: .zip, source: source)
        case .pickleStream:
            return TorchCheckpoint(root: try readLegacy(url: url, source: source), format: .legacy, source: source)
        default:
            let empty = (try? FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.intValue == 0
            throw LMConvError.corruptFile(source: source, reason: empty ? "the checkpoint file is empty"
                                          : "not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)")
        }
    }

    /// The saved command-line options: the `args` entry (a dict, or an `argparse.Namespace` read as the dict of its
    /// attributes); `nil` when there is none.
    public var args: [String: PickleValue]? {
        guard let entries = root["args"]?.dictValue else { return nil }
        var result: [String: PickleValue] = [:]
        for (key, value) in entries {
            if let name = key.stringValue { result[name] = value }
        }
        return result
    }

    /// The state dict under `key`, every tensor converted to a Float32 `Tensor` of its shape.
    ///
    /// When the root object has no such entry but is itself a state dict (a dict of tensors, as
    /// `torch.save(model.state_dict())` writes), the default key returns the root.
    public func stateDict(_ key: String = "model_state_dict") throws -> [String: Tensor] {
        try stateDictTensors(key).mapValues { $0.floatTensor() }
    }

    /// The state dict under `key` with each tensor's own dtype (see `stateDict(_:)`).
    public func stateDictTensors(_ key: String = "model_state_dict") throws -> [String: TorchTensor] {
        let entries: [(key: PickleValue, value: PickleValue)]
        if let value = root[key] {
            guard let dict = value.dictValue else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "'\(key)' is a \(value.kindName), not a state dict")
            }
            entries = dict
        } else if key == "model_state_dict", let dict = root.dictValue, !dict.isEmpty,
                  dict.allSatisfy({ $0.value.tensorValue != nil }) {
            entries = dict
        } else {
            let keys = root.dictValue?.compactMap { $0.key.stringValue }.joined(separator: ", ") ?? ""
            throw LMConvError.invalidArgument(source: source, reason: "no '\(key)' in the checkpoint"
                              + (keys.isEmpty ? "" : " (its top-level keys: \(keys))"))
        }
        var tensors: [String: TorchTensor] = [:]
        for (name, value) in entries {
            guard let name = name.stringValue else {
                throw LMConvError.corruptFile(source: source, reason: "'\(key)' has a non-string key \(name)")
            }
            guard let tensor = value.tensorValue else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "'\(key).\(name)' is a \(value.kindName), not a tensor")
            }
            tensors[name] = tensor
        }
        return tensors
    }
}
