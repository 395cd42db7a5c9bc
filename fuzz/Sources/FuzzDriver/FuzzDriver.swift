// dlmd fuzz — the glue every fuzz executable shares: starting libFuzzer's driver from a SwiftPM
// executable, writing a seed corpus, and failing a run loudly when a property does not hold.

#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer callback: one input, returns 0.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
) -> CInt

/// Entry points of the fuzz executables.
///
/// SwiftPM links an executable with `main` aliased to `<Module>_main`, so a target cannot simply
/// leave `main` to libFuzzer; each target defines `<Module>_main` and calls `run` here, which hands
/// the command line to `LLVMFuzzerRunDriver` (every libFuzzer flag works as usual). With
/// `DLM_FUZZ_WRITE_SEEDS=<dir>` in the environment it writes `seeds()` there instead and exits.
public enum FuzzDriver {
    public static func run(
        argc: CInt, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        seeds: () -> [(name: String, bytes: [UInt8])], callback: FuzzCallback
    ) -> CInt {
        if let directory = getenv("DLM_FUZZ_WRITE_SEEDS") {
            return writeSeeds(seeds(), to: String(cString: directory))
        }
        var count = argc
        var arguments = argv
        return llvmFuzzerRunDriver(&count, &arguments, callback)
    }

    private static func writeSeeds(_ seeds: [(name: String, bytes: [UInt8])], to directory: String) -> CInt {
        mkdir(directory, 0o755)
        for seed in seeds {
            let path = directory + "/" + seed.name
            guard let file = fopen(path, "wb") else { return 1 }
            let written = seed.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            guard written == seed.bytes.count else { return 1 }
        }
        print("wrote \(seeds.count) seeds to \(directory)")
        return 0
    }

    /// Stops the process (a libFuzzer crash with the input saved) when `condition` is false.
    public static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        let text = Array("fuzz property violated: \(message())\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        abort()
    }

    /// Splits `bytes` into chunks whose sizes cycle through `1...maxChunk` starting from a value derived
    /// from the input, so every input is also decoded incrementally along varying boundaries.
    public static func chunks(of bytes: [UInt8], maxChunk: Int) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var size = (bytes.count % maxChunk) + 1
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            result.append(bytes[start..<end])
            start = end
            size = size % maxChunk + 1
        }
        return result
    }
}
