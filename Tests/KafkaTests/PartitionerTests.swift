import Kafka
import KafkaTestSupport
import Testing

/// Kafka's Java client key hash (`Utils.murmur2` with `toPositive`, what the Java producer's
/// default partitioner, kafka-console-producer and Kafka Streams use), written here from its
/// definition so the test does not trust librdkafka to check librdkafka.
enum JavaMurmur2 {
    static func hash(_ data: [UInt8]) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count / 4
        for block in 0..<whole {
            let at = block * 4
            var k = UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = whole * 4
        switch data.count % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 1:
            h ^= UInt32(data[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition the Java producer picks for `key` among `count`.
    static func partition(of key: [UInt8], count: Int32) -> Int32 {
        Int32((UInt32(bitPattern: hash(key)) & 0x7fff_ffff) % UInt32(count))
    }
}

/// CRC-32 (IEEE), librdkafka's default `consistent_random` hash: only to show that the keys
/// below tell the two partitioners apart.
func crc32(_ data: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
}

@Suite("Partitioner: the same partition for a key as the Java clients")
struct PartitionerTests {
    /// Sender addresses as the API writes keys (EIP-55), and a few plain strings.
    static let keys = [
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
        "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69", "0x1efF47bc3a10a45D4B230B5d10E37751FE6AA718",
        "0xe1AB8145F7E55DC933d51a18c793F901A3A0b276", "0xE57bFE9F44b819898F47BF37E5AF72a0783e1141",
        "21", "foobar", "abc", "a-little-bit-long-string", "broadcaster",
    ]

    @Test("the reference hash matches the Java client's published values")
    func referenceHash() {
        // From Apache Kafka's UtilsTest.testMurmur2.
        #expect(JavaMurmur2.hash(Array("21".utf8)) == -973_932_308)
        #expect(JavaMurmur2.hash(Array("foobar".utf8)) == -790_332_482)
        #expect(JavaMurmur2.hash(Array("a-little-bit-long-string".utf8)) == -985_981_536)
        #expect(JavaMurmur2.hash(Array("a-little-bit-longer-string".utf8)) == -1_486_304_829)
        #expect(JavaMurmur2.hash(Array("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".utf8)) == -58_897_971)
        #expect(JavaMurmur2.hash(Array("abc".utf8)) == 479_470_107)
    }

    @Test("the keys tell CRC32 from murmur2 apart, so the next test fails under librdkafka's default")
    func keysDiscriminate() {
        let differing = Self.keys.filter { key in
            let bytes = Array(key.utf8)
            return Int32(crc32(bytes) % 12) != JavaMurmur2.partition(of: bytes, count: 12)
        }
        #expect(differing.count >= Self.keys.count / 2, "only \(differing) land elsewhere under CRC32")
    }

    @Test("on a real 12-partition topic every key lands where the Java producer would put it")
    func sameAsJava() async throws {
        try await withTansu(topics: ["keyed": 12]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                for key in Self.keys {
                    let bytes = Array(key.utf8)
                    let report = try await producer.send(topic: "keyed", key: bytes, value: bytes)
                    #expect(report.partition == JavaMurmur2.partition(of: bytes, count: 12), "key \(key)")
                }
            }
        }
    }
}
