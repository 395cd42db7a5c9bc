// Tests DLMCore's vocabulary tables against the spec (§1.2 compatibility, §1.3 conversion classes,
// §1.4 LVB directions, §1.5 QUECVT), cell by cell, written out independently of the source tables.

import Testing
@testable import DLMCore

@Suite struct LockModeTests {
    @Test func modeValuesMatchLibdlm() {
        #expect(LockMode.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(LockMode(value: 6) == nil)
        #expect(LockMode(value: -1) == nil)
        #expect(LockMode(value: 256) == nil)
        #expect(LockMode(name: "pw") == .pw)
    }

    @Test func compatibilityMatrix() {
        let expected = ["111111", "111110", "111000", "110100", "110000", "100000"]
        for held in LockMode.allCases {
            for wanted in LockMode.allCases {
                let bit = Array(expected[Int(held.rawValue)])[Int(wanted.rawValue)] == "1"
                #expect(held.isCompatible(with: wanted) == bit, "\(held) vs \(wanted)")
                #expect(held.isCompatible(with: wanted) == wanted.isCompatible(with: held))
            }
        }
    }

    @Test func middleAndDownConversions() {
        #expect(LockMode.isMiddleConversion(from: .pr, to: .cw))
        #expect(LockMode.isMiddleConversion(from: .cw, to: .pr))
        #expect(!LockMode.isDownConversion(from: .pr, to: .cw))
        #expect(LockMode.isDownConversion(from: .ex, to: .nl))
        #expect(LockMode.isDownConversion(from: .pw, to: .pr))
        #expect(!LockMode.isDownConversion(from: .pr, to: .pr))
    }

    @Test func lvbDirectionTable() {
        let rows = ["RRRRRR", "-RRRRR", "--RRRR", "---RRR", "WWWWWR", "WWWWWW"]
        for granted in LockMode.allCases {
            for requested in LockMode.allCases {
                let cell = Array(rows[Int(granted.rawValue)])[Int(requested.rawValue)]
                let op: LVBOperation = cell == "R" ? .read : cell == "W" ? .write : .none
                #expect(LVBOperation.forGrant(from: granted, to: requested) == op, "\(granted)->\(requested)")
            }
            #expect(LVBOperation.forGrant(from: nil, to: granted) == .read)
        }
    }

    @Test func queueConvertValidity() {
        let rows = ["011111", "001111", "000111", "001011", "000001", "000000"]
        for granted in LockMode.allCases {
            for requested in LockMode.allCases {
                let valid = Array(rows[Int(granted.rawValue)])[Int(requested.rawValue)] == "1"
                #expect(LockMode.isQueueConvertValid(from: granted, to: requested) == valid)
            }
        }
    }

    @Test func namesAreBoundedAndLengthSensitive() throws {
        #expect(throws: DLMErrno.EINVAL) { try ResourceName(String(repeating: "x", count: 65)) }
        let sixtyFour = try ResourceName(String(repeating: "x", count: 64))
        #expect(sixtyFour.bytes.count == 64)
        #expect(try ResourceName("a") != ResourceName(bytes: [0x61, 0]))
        #expect(throws: DLMErrno.EINVAL) { try LockspaceName("") }
        #expect(throws: DLMErrno.EINVAL) { try LockspaceName(String(repeating: "l", count: 65)) }
    }

    @Test func flagValuesMatchKernel() {
        #expect(LockFlags.noQueue.rawValue == 0x1)
        #expect(LockFlags.expedite.rawValue == 0x400)
        #expect(LockFlags.alternateCW.rawValue == 0x10000)
        #expect(LockFlags.forceUnlock.rawValue == 0x20000)
        #expect(LockFlags.timeout.rawValue == 0x40000)
        #expect(StatusFlags.alternateMode.rawValue == 0x04)
        #expect(DLMErrno.ECANCEL.rawValue == 0x10001)
        #expect(CompletionStatus.unlocked.rawValue == 0x10002)
    }
}
