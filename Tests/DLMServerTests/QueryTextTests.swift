// Tests the splitting of long QUERY answers into QUERY_TEXT chunks (LockspaceService.chunks): every
// chunk fits one frame, no multi-byte character is cut, the pieces join back to the original, and an
// empty answer is still one (empty, final) chunk.

import DLMClientProtocol
@testable import DLMServer
import Testing

@Suite("query text chunks")
struct QueryTextTests {
    @Test("chunks fit a frame, keep characters whole and join back", arguments: [
        String(repeating: "é", count: 3000), String(repeating: "a", count: 9000), "short", String(repeating: "日本", count: 1500),
    ])
    func chunking(text: String) {
        let pieces = LockspaceService.chunks(of: text)
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { $0.utf8.count <= ClientProtocol.queryTextChunkBytesMax })
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count > ClientProtocol.queryTextChunkBytesMax - 4 }, "chunks are full")
    }

    @Test("an empty answer is one empty chunk")
    func empty() {
        #expect(LockspaceService.chunks(of: "") == [""])
    }
}
