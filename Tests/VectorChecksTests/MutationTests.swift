import DPSCore
import Foundation
import Testing
import VectorChecks
import Verdicts

/// A vector whose expected value is changed must stop passing: the checks compare with the
/// file, not with themselves.
@Suite("Mutated vectors fail")
struct MutationTests {
    struct Mutation: Sendable, CustomTestStringConvertible {
        let area: String
        let id: String
        /// Path below the vector, e.g. ["expected", "token"].
        let path: [String]
        /// The outcome the mutated vector must have.
        let outcome: VerdictOutcome
        var replacement: String?
        var testDescription: String { "\(area)/\(id) " + path.joined(separator: ".") }
    }

    static let mutations: [Mutation] = [
        Mutation(area: "dps", id: "mqtt_client_id", path: ["expected", "client_id"], outcome: .fail),
        Mutation(area: "dps", id: "mqtt_username_basic", path: ["expected", "username"], outcome: .fail),
        Mutation(area: "dps", id: "mqtt_subscribe_filter", path: ["expected", "topic_filter"], outcome: .fail),
        Mutation(area: "dps", id: "mqtt_register_topic_escaped_slash", path: ["expected", "topic"], outcome: .fail),
        Mutation(area: "dps", id: "mqtt_poll_topic_escaped", path: ["expected", "topic"], outcome: .fail),
        Mutation(area: "dps", id: "response_topic_202_reversed_order", path: ["expected", "retry_after_seconds"], outcome: .fail),
        Mutation(area: "dps", id: "response_topic_uuid_props", path: ["expected", "retry-after"], outcome: .fail),
        Mutation(area: "dps", id: "response_topic_not_matched", path: ["expected", "error"], outcome: .fail, replacement: "topicMissingProperty"),
        Mutation(area: "dps", id: "response_payload_assigned", path: ["expected", "complete"], outcome: .fail),
        Mutation(area: "dps", id: "response_payload_error_401002", path: ["expected", "tracking_id"], outcome: .fail),
        Mutation(area: "dps", id: "response_payload_assigned_with_issued_chain", path: ["expected", "issued_certificate_chain"], outcome: .fail),
        Mutation(area: "dps", id: "register_payload_custom", path: ["expected", "body"], outcome: .fail),
        Mutation(area: "dps", id: "sas_string_to_sign_emb", path: ["expected", "string_to_sign"], outcome: .fail),
        Mutation(area: "dps", id: "sas_token_node_skn_order", path: ["expected", "token"], outcome: .fail),
        Mutation(area: "dps", id: "sas_password_emb_with_skn", path: ["expected", "token"], outcome: .fail),
        Mutation(area: "dps", id: "dps_sas_computed_raw_node", path: ["expected", "signature_b64"], outcome: .fail),
        Mutation(area: "dps", id: "hmac_python", path: ["expected", "signature_b64"], outcome: .fail),
        Mutation(area: "dps", id: "derived_device_key", path: ["expected", "derived_key_b64"], outcome: .fail),
        Mutation(area: "dps", id: "group_to_device_sas_chain_computed", path: ["inputs", "derived_key_b64"], outcome: .fail),
        Mutation(area: "dps", id: "retry_delay_5_5_500_10000_4321", path: ["expected", "delay_ms"], outcome: .fail),
        Mutation(area: "dps", id: "csdk_parse_retry_after_600", path: ["expected", "retry_after_seconds"], outcome: .fail),
        // An observation that may differ only warns.
        Mutation(area: "dps", id: "etag_decoding", path: ["expected", "decoded_etag"], outcome: .warn),
        Mutation(area: "dice", id: "pub-01-docs-uds", path: ["expected", "dpsCertGenPemFile"], outcome: .fail),
        Mutation(area: "dice", id: "pub-01-docs-uds", path: ["expected", "aliasPrivate"], outcome: .fail),
        Mutation(area: "dice", id: "pub-02-zero-uds-one-char-id", path: ["expected", "cdi"], outcome: .fail),
        Mutation(area: "dice", id: "pub-03-ff-uds-hyphens", path: ["expected", "aliasCertSignatureS"], outcome: .fail),
        Mutation(area: "dice", id: "pub-04-min-core-empty-fw", path: ["expected", "fwid"], outcome: .fail),
        Mutation(area: "dice", id: "pub-05-large-image-126-char-id", path: ["expected", "aliasCertDerLength"], outcome: .fail),
        Mutation(area: "dice", id: "pub-06-128-char-id-error", path: ["expected", "error"], outcome: .fail, replacement: "RIOT_CORE_TOO_SHORT"),
        Mutation(area: "dice", id: "pub-07-sha-padding-edges", path: ["expected", "standardSha256OfUds_notUsed"], outcome: .fail),
        Mutation(area: "dice", id: "pub-08-uppercase-uds-56", path: ["inputs", "riotCore", "sha256"], outcome: .fail),
        Mutation(area: "dice", id: "pub-08-uppercase-uds-56", path: ["inputs", "map", "flashOrigin"], outcome: .fail, replacement: "0x0800c001"),
        // The .bin cannot be rebuilt as stated: nothing is known about the implementation.
        Mutation(area: "dice", id: "pub-01-docs-uds", path: ["inputs", "firmware", "sha256"], outcome: .error),
    ]

    /// `value` changed so that it can no longer match.
    static func mutated(_ value: Any, replacement: String?) -> Any {
        if let replacement { return replacement }
        switch value {
        case let number as NSNumber:
            // JSONSerialization gives NSNumber for both; 1 would also read `as Bool`, so ask the class.
            if String(describing: type(of: number)).contains("Boolean") { return !number.boolValue }
            return number.intValue + 1
        case let text as String:
            guard let last = text.last else { return "x" }
            return String(text.dropLast()) + (last == "0" ? "1" : "0")
        case let list as [Any]: return list.count > 1 ? Array(list.reversed()) : list + ["extra"]
        default: return value
        }
    }

    static func setting(_ dictionary: [String: Any], _ path: ArraySlice<String>, _ transform: (Any) -> Any) -> [String: Any] {
        guard let key = path.first, let current = dictionary[key] else { return dictionary }
        var copy = dictionary
        if path.count == 1 {
            copy[key] = transform(current)
        } else if let child = current as? [String: Any] {
            copy[key] = setting(child, path.dropFirst(), transform)
        }
        return copy
    }

    /// The area's file with one vector changed by `transform`, loaded through the loader.
    static func load(area: String, id: String, change: ([String: Any]) -> [String: Any]) throws -> VectorFile {
        let url = area == "dps" ? dpsVectorFile : diceVectorFile
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var vectors = try #require(document["vectors"] as? [[String: Any]])
        let index = try #require(vectors.firstIndex { $0["id"] as? String == id })
        vectors[index] = change(vectors[index])
        document["vectors"] = vectors
        let bytes = try JSONSerialization.data(withJSONObject: document)
        return try VectorFileLoader.load(bytes: Array(bytes), path: "mutated-\(area).json")
    }

    @Test("the mutated vector no longer passes; the others still do", arguments: mutations)
    func mutationIsCaught(_ mutation: Mutation) throws {
        let file = try Self.load(area: mutation.area, id: mutation.id) { vector in
            Self.setting(vector, mutation.path[...]) { Self.mutated($0, replacement: mutation.replacement) }
        }
        let result = VectorVerifier().run([file])
        let target = try #require(result.cases.first { $0.id == "\(mutation.area)/\(mutation.id)" })
        #expect(target.outcome == mutation.outcome, "\(target.verdicts.filter { $0.outcome != .pass })")
        #expect(result.cases.filter { $0.id != target.id }.allSatisfy { $0.outcome == .pass })
        #expect(result.failed == (mutation.outcome == .fail || mutation.outcome == .error))
    }

    @Test("a published token that does reproduce fails its invalid vector")
    func reproducibleTokenFails() throws {
        let uri = "0ne00111111/registrations/my-symkey-device"
        let token = try SASToken.create(resource: PercentEncoding.encode(uri), keyBase64:
            "18RQk/hOPJR9EbsJlk2j8WA6vWaj/yi+oaYg7zmxfQNdOyMSu+SJ8O7TSlZhDJCYmn4rzEiVKIzNiVAWjLxrGA==",
            expiry: 1_663_952_627, keyName: "registration")
        let file = try Self.load(area: "dps", id: "docs_dps_token_non_reproducible") { vector in
            Self.setting(vector, ["expected", "token"]) { _ in token.text }
        }
        let target = try #require(VectorVerifier().run([file]).cases.first { $0.id == "dps/docs_dps_token_non_reproducible" })
        #expect(target.outcome == .fail)
        // Both the "not reproduced" field and the verifier's refusal fail.
        #expect(target.verdicts.filter { $0.outcome == .fail }.count == 2)
    }
}
