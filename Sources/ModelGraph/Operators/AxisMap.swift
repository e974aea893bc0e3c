/// Channel descriptions of ops that move input 0's axes to other positions of output 0
/// (Squeeze, Unsqueeze, reductions, CastLike).
extension ChannelDescription {
    /// Input 0's axis `pair.input` is output 0's axis `pair.output`, channel for channel.
    /// Axes not listed do not carry channels through (they are reduced or created).
    static func axisMap(_ pairs: [(input: Int, output: Int)]) -> ChannelDescription {
        ChannelDescription(mappings: pairs.map { .passthrough(input: 0, inputAxis: $0.input, output: 0, outputAxis: $0.output) })
    }
}
