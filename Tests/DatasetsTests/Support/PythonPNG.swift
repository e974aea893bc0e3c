/// A tiny PNG encoder in Python (zlib + struct), so tests write PNGs without a Swift codec.
enum PythonPNG {
    static let source = """
    import zlib, struct
    def write_png(path, rows, color_type):
        # rows: list of bytes per row (already interleaved); color_type 0 grey, 2 RGB, 6 RGBA
        h = len(rows); channels = {0: 1, 2: 3, 6: 4}[color_type]; w = len(rows[0]) // channels
        raw = b''.join(b'\\x00' + bytes(r) for r in rows)
        def chunk(tag, data):
            return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)
        png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, color_type, 0, 0, 0))
        png += chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
        open(path, 'wb').write(png)

    """
}
