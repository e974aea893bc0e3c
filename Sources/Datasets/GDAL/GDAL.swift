import CGDAL

/// Process-wide GDAL setup: drivers registered once, errors captured instead of printed.
enum GDAL {
    private static let registered: Bool = {
        // GDAL prints errors on stderr by default; Winnow reports them itself, naming the file.
        CPLSetErrorHandler(CPLQuietErrorHandler)
        // Persistent auxiliary metadata would write .aux.xml files beside the user's data.
        CPLSetConfigOption("GDAL_PAM_ENABLED", "NO")
        GDALAllRegister()
        return true
    }()

    /// Registers the drivers on first use.
    static func ensureRegistered() { _ = registered }

    /// Clears the calling thread's error state before a call whose failure we want to explain.
    static func resetError() { CPLErrorReset() }

    /// The calling thread's last GDAL error message, or `fallback` when GDAL left none.
    static func lastError(or fallback: String) -> String {
        guard let message = CPLGetLastErrorMsg() else { return fallback }
        let text = String(cString: message)
        return text.isEmpty ? fallback : text
    }
}
