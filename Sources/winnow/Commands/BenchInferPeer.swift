import Foundation

/// onnxruntime measured beside Winnow by `winnow bench infer`: a Python subprocess that loads the
/// same file, reads the same NPY inputs, and runs timed rounds when asked on stdin, so the two
/// runtimes take turns under the same machine load.
final class OnnxRuntimePeer {
    /// What the peer reported when it became ready.
    struct Ready {
        let version: String
        /// Output files (graph output name → NPY path) for input set 0.
        let outputs: [String: String]
    }

    private let peer: PythonPeerProcess

    /// Starts `python` on the peer script; `inputSets[i]` maps graph input names to NPY files.
    init(python: String, model: String, threads: Int, warmups: Int, inputSets: [[String: String]], folder: URL) throws {
        let manifest = folder.appendingPathComponent("peer_inputs.json")
        do {
            try JSONSerialization.data(withJSONObject: inputSets, options: [.sortedKeys]).write(to: manifest)
        } catch {
            throw PythonPeerProcess.Failure(description: "cannot write the onnxruntime peer's inputs into \(folder.path): \(error.localizedDescription)")
        }
        let outputs = folder.appendingPathComponent("peer_outputs")
        peer = try PythonPeerProcess(name: "the onnxruntime peer", python: python, source: Self.script, scriptName: "onnxruntime_peer.py",
                                     arguments: [model, String(threads), String(warmups), manifest.path, outputs.path], folder: folder,
                                     hint: "install onnxruntime and numpy for \(python), or pass --no-peer")
    }

    /// Waits for the peer to load the model and finish its warm-ups.
    func waitUntilReady() throws -> Ready {
        let reply = try peer.readReply()
        guard let version = reply["version"] as? String, let outputs = reply["outputs"] as? [String: String] else {
            throw peer.failure("sent an unexpected reply: \(reply)")
        }
        return Ready(version: version, outputs: outputs)
    }

    /// Runs `count` timed calls starting at input set `first` (then in turn); milliseconds per call.
    func run(count: Int, first: Int) throws -> [Double] {
        try peer.send("run \(count) \(first)")
        let reply = try peer.readReply()
        guard let times = reply["times_ms"] as? [Double], times.count == count else {
            throw peer.failure("sent an unexpected reply: \(reply)")
        }
        return times
    }

    /// Ends the peer and returns its peak resident set size in bytes.
    func finish() throws -> Int {
        try peer.send("quit")
        let reply = try peer.readReply()
        peer.close()
        guard let kilobytes = reply["peak_rss_kb"] as? Int else {
            throw peer.failure("sent an unexpected reply: \(reply)")
        }
        return kilobytes * 1024
    }

    /// The peer program. Replies are one JSON object per line on stdout.
    static let script = #"""
import json, os, resource, sys, time

def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

try:
    import numpy as np
    import onnxruntime as ort
except Exception as e:
    reply({"error": "cannot import onnxruntime/numpy: %s" % e})
    sys.exit(3)

model, threads, warmups, manifest, outdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
try:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    with open(manifest) as f:
        sets = [{name: np.load(path) for name, path in s.items()} for s in json.load(f)]
    for i in range(warmups):
        session.run(None, sets[i % len(sets)])
    os.makedirs(outdir, exist_ok=True)
    names = [o.name for o in session.get_outputs()]
    files = {}
    for k, (name, value) in enumerate(zip(names, session.run(None, sets[0]))):
        path = os.path.join(outdir, "output_%d.npy" % k)
        np.save(path, np.ascontiguousarray(value), allow_pickle=False)
        files[name] = path
except Exception as e:
    reply({"error": str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__})
    sys.exit(4)
reply({"version": ort.__version__, "outputs": files})

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "run":
        count, first = int(words[1]), int(words[2])
        times = []
        for i in range(count):
            feeds = sets[(first + i) % len(sets)]
            start = time.perf_counter_ns()
            session.run(None, feeds)
            times.append((time.perf_counter_ns() - start) / 1e6)
        reply({"times_ms": times})
    elif words[0] == "quit":
        # VmHWM is this process's own peak; ru_maxrss would carry the parent's peak over exec.
        peak = None
        try:
            with open("/proc/self/status") as f:
                for status in f:
                    if status.startswith("VmHWM:"):
                        peak = int(status.split()[1])
        except OSError:
            pass
        if peak is None:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reply({"peak_rss_kb": peak})
        break
"""#
}
