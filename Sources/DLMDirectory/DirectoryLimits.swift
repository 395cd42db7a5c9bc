// dlmd — DLMDirectory: bounds of the directory, kept with the other limits under `Limits`.

import DLMCore

extension Limits {
    /// Largest weight a node may carry in the directory (`master ... weight=`); bounds the expanded array.
    public static let directoryWeightMax: UInt32 = 1000
    /// Members a lockspace's directory map may have.
    public static let directoryMembersMax = 1024
    /// How long a non-master keeps an inactive resource's cached master (`toss_secs`, spec §8.2).
    public static let resourceTossDuration: Duration = .seconds(10)
}
