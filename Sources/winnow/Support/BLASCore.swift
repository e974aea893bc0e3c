import CBLAS

/// Which kernels OpenBLAS runs with, for benchmark reports. OpenBLAS chooses them once, when the
/// library loads (OPENBLAS_CORETYPE overrides its choice); Debian's 0.3.21 does not know AMD
/// Zen 5 and picks the AVX2 "Haswell" kernels there, where its AVX-512 "SkylakeX" kernels would
/// run the small GEMMs of convolution layers faster. Winnow leaves that choice to the user.
enum BLASCore {
    /// "Haswell", "SkylakeX", ...
    static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
