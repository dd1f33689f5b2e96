/// The only Python globals a pickle may name, and what calling them means here. A pickle can call any importable
/// function, so anything not listed is refused outright instead of being interpreted.
enum PickleGlobals {
    static let collectionsOrderedDict = "collections.OrderedDict"
    static let argparseNamespace = "argparse.Namespace"
    static let rebuildTensorV2 = "torch._utils._rebuild_tensor_v2"
    static let rebuildTensor = "torch._utils._rebuild_tensor"
    static let rebuildParameter = "torch._utils._rebuild_parameter"
    static let rebuildParameterWithState = "torch._utils._rebuild_parameter_with_state"
    static let codecsEncode = "_codecs.encode"
    static let torchSize = "torch.Size"

    /// Every allowed `module.name`: the callables above and the storage classes (`torch.FloatStorage`, ...).
    static let allowed: Set<String> = {
        var names: Set<String> = [
            collectionsOrderedDict, argparseNamespace, rebuildTensorV2, rebuildTensor, rebuildParameter,
            rebuildParameterWithState, codecsEncode, torchSize,
        ]
        for dtype in TorchDType.allCases { names.insert("torch." + storageClass(of: dtype)) }
        return names
    }()

    static func storageClass(of dtype: TorchDType) -> String {
        switch dtype {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    /// The item GLOBAL pushes for `module.name`, or the refusal.
    static func resolve(module: String, name: String, source: String) throws -> PickleItem {
        let full = module + "." + name
        guard allowed.contains(full) else {
            throw LMConvError.unsupported(source: source,
                                          reason: "unknown global '\(full)' in pickle (refusing to run pickled code)")
        }
        return .global(full)
    }

    /// REDUCE and NEWOBJ: the result of calling the whitelisted global `name` with `args`.
    static func call(_ name: String, args: [PickleItem], source: String) throws -> PickleItem {
        func bad(_ what: String) -> LMConvError {
            LMConvError.corruptFile(source: source, reason: "\(name) called with \(what) in pickle")
        }
        switch name {
        case collectionsOrderedDict:
            let dict = PickleDictBox()
            if let pairs = args.first {
                // OrderedDict([(key, value), ...])
                guard args.count == 1, let items = pairs.tupleItems else { throw bad("unexpected arguments") }
                for pair in items {
                    guard let kv = pair.tupleItems, kv.count == 2 else { throw bad("a non-pair item") }
                    try dict.set(kv[0], kv[1], source: source)
                }
            }
            return .dict(dict)
        case argparseNamespace:
            guard args.isEmpty else { throw bad("arguments") }
            return .dict(PickleDictBox(isNamespace: true))
        case rebuildTensorV2, rebuildTensor:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            let expected = name == rebuildTensor ? 4...4 : 6...7
            guard expected.contains(args.count) else { throw bad("\(args.count) arguments") }
            guard case .storage(let storage) = args[0] else { throw bad("a \(args[0].kindName) instead of a storage") }
            guard let offset = args[1].intValue, let size = intTuple(args[2]), let stride = intTuple(args[3]) else {
                throw bad("a malformed offset, size or stride")
            }
            var requiresGrad = false
            if args.count > 4, case .value(.bool(let flag)) = args[4] { requiresGrad = flag }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, size: size, stride: stride,
                                          requiresGrad: requiresGrad))
        case rebuildParameter, rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its tensor here.
            guard args.count >= 3, case .tensor(var tensor) = args[0] else { throw bad("unexpected arguments") }
            if case .value(.bool(let flag)) = args[1] { tensor.requiresGrad = flag }
            return .tensor(tensor)
        case codecsEncode:
            // Protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1').
            guard args.count == 2, let text = args[0].stringValue, let encoding = args[1].stringValue else {
                throw bad("unexpected arguments")
            }
            switch encoding.lowercased() {
            case "latin1", "latin-1", "iso-8859-1":
                var bytes: [UInt8] = []
                for scalar in text.unicodeScalars {
                    guard scalar.value < 256 else { throw bad("a character outside latin-1") }
                    bytes.append(UInt8(scalar.value))
                }
                return .value(.bytes(bytes))
            case "utf-8", "utf8":
                return .value(.bytes(Array(text.utf8)))
            default:
                throw bad("the encoding '\(encoding)'")
            }
        case torchSize:
            guard args.count == 1, let items = args[0].tupleItems else { throw bad("unexpected arguments") }
            return .tuple(items)
        default:
            throw LMConvError.unsupported(source: source,
                                          reason: "the pickle calls '\(name)', which is not callable here")
        }
    }

    /// BUILD: applies `state` to `object` (Python's `__setstate__` or `__dict__.update`).
    static func build(_ object: PickleItem, state: PickleItem, source: String) throws {
        switch object {
        case .dict(let box) where box.isNamespace:
            // A Namespace's state is the dict of its attributes: they become its entries.
            guard case .dict(let attributes) = state else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "argparse.Namespace given a \(state.kindName) state in pickle")
            }
            for (key, value) in zip(attributes.keys, attributes.values) { try box.set(key, value, source: source) }
        case .dict, .tensor:
            // State dicts carry a `_metadata` attribute (module versions) and tensors Python attributes;
            // neither is data this reader exposes.
            break
        default:
            throw LMConvError.unsupported(source: source,
                                          reason: "BUILD on a \(object.kindName) in pickle is not supported")
        }
    }

    /// BINPERSID: a PyTorch storage reference, `('storage', storage_type, key, location, numel)` in zip
    /// checkpoints, with a sixth element `view_metadata` (None or `(view_key, offset, view_size)`) in legacy ones.
    static func persistentLoad(_ pid: PickleItem, source: String) throws -> PickleItem {
        guard let fields = pid.tupleItems, fields.count == 5 || fields.count == 6,
              fields[0].stringValue == "storage" else {
            throw LMConvError.unsupported(source: source,
                                          reason: "unsupported persistent id \(pid.kindName) in pickle (expected a storage)")
        }
        guard case .global(let typeName) = fields[1], typeName.hasPrefix("torch."),
              let dtype = TorchDType(storageClass: String(typeName.dropFirst("torch.".count))) else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "persistent id with a storage type \(fields[1].kindName) in pickle")
        }
        guard let key = fields[2].stringValue, let location = fields[3].stringValue, let count = fields[4].intValue,
              count >= 0 else {
            throw LMConvError.corruptFile(source: source, reason: "malformed storage persistent id in pickle")
        }
        var ref = TorchStorageRef(key: key, dtype: dtype, location: location, count: count, view: nil)
        if fields.count == 6, fields[5].isNotNone {
            guard let view = fields[5].tupleItems, view.count == 3, let viewKey = view[0].stringValue,
                  let offset = view[1].intValue, let viewCount = view[2].intValue, offset >= 0, viewCount >= 0 else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "malformed storage view metadata for storage '\(key)' in pickle")
            }
            ref.view = (viewKey, offset, viewCount)
        }
        return .storage(ref)
    }

    private static func intTuple(_ item: PickleItem) -> [Int]? {
        guard let items = item.tupleItems else { return nil }
        let ints = items.compactMap(\.intValue)
        return ints.count == items.count ? ints : nil
    }
}
