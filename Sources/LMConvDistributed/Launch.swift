// Which communicator a process gets: MPI when a launcher (mpirun) started it and the package was built with MPI,
// this process alone otherwise.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum Distributed {
    /// Whether this build can run under `mpirun` (Package.swift found Open MPI).
    #if LMCONV_MPI
    public static let builtWithMPI = true
    #else
    public static let builtWithMPI = false
    #endif

    /// The number of processes a launcher says this job has (Open MPI's `OMPI_COMM_WORLD_SIZE`, or PMI/PMIx's), or
    /// nil when no launcher started this process.
    public static func launcherWorldSize(environment: [String: String]) -> Int? {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"] {
            if let value = environment[key], let n = Int(value) { return n }
        }
        return environment["PMIX_RANK"] != nil ? 1 : nil
    }

    /// The communicator for this process: MPI under a launcher (when built with it), else a single process.
    /// Throws when a launcher started several processes but this build has no MPI (each would otherwise train
    /// alone and overwrite the others' files).
    public static func start(environment: [String: String]) throws -> any Communicator {
        guard let worldSize = launcherWorldSize(environment: environment) else { return SingleProcessCommunicator() }
        #if LMCONV_MPI
        let communicator = try MPICommunicator()
        installTerminationMessage(communicator)
        return communicator
        #else
        guard worldSize <= 1 else {   // every rank finds this; rank 0 says it
            throw SharedError(message: "started by mpirun with \(worldSize) processes, but this lmconv was built "
                + "without MPI (no Open MPI found at build time: install libopenmpi-dev, then rebuild)",
                printedHere: (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"] ?? "0") == "0")
        }
        return SingleProcessCommunicator()
        #endif
    }

    /// How many compute threads this process should use, or nil to keep the default (one per core):
    /// `LMCONV_THREADS` when set, else under a launcher the cores shared between the ranks on this machine
    /// (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`), so that N ranks on one machine do not run N x cores threads.
    public static func threadsPerProcess(environment: [String: String], cores: Int) throws -> Int? {
        if let text = environment["LMCONV_THREADS"] {
            guard let n = Int(text), n >= 1 else {
                throw CommunicationError("LMCONV_THREADS must be a whole number >= 1, got '\(text)'")
            }
            return n
        }
        guard let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap({ Int($0) }), local > 1 else { return nil }
        return max(1, cores / local)
    }

    /// Ends MPI before a normal exit (nothing for a single process).
    public static func finish(_ communicator: any Communicator) {
        #if LMCONV_MPI
        (communicator as? MPICommunicator)?.finalize()
        #endif
    }
}
