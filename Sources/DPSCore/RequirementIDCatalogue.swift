// The table of catalogued requirement IDs. `Scenarios/requirements.yaml` is the single source
// of statements, levels and sources; this table gives the code compile-time names for its IDs.
// The catalogue loader refuses a catalogue whose IDs differ from this table in either direction,
// so a typo or an orphan on either side is a load error, not a silent skip.
extension RequirementID {
    public static let dpsMqttConn001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-CONN-001")
    public static let dpsMqttConn002 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-CONN-002")
    public static let dpsMqttConn003 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-CONN-003")
    public static let dpsMqttSub001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-SUB-001")
    public static let dpsMqttSub002 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-SUB-002")
    public static let dpsMqttReg002 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-REG-002")
    public static let dpsMqttPoll002 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-POLL-002")
    public static let dpsMqttPoll003 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-POLL-003")
    public static let dpsMqttTopic001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-TOPIC-001")
    public static let dpsMqttPkt001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-PKT-001")
    public static let dpsMqttTls001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-TLS-001")
    public static let dpsMqttSize001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-SIZE-001")
    public static let dpsMqttDisc001 = RequirementID(uncheckedCatalogueID: "DPS-MQTT-DISC-001")
    public static let dpsHttpRoute001 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-ROUTE-001")
    public static let dpsHttpApi001 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-API-001")
    public static let dpsHttpBody001 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-BODY-001")
    public static let dpsHttpBody002 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-BODY-002")
    public static let dpsHttpLookup001 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-LOOKUP-001")
    public static let dpsHttpMsg001 = RequirementID(uncheckedCatalogueID: "DPS-HTTP-MSG-001")
    public static let dpsAuthSas001 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-SAS-001")
    public static let dpsAuthSas002 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-SAS-002")
    public static let dpsAuthSas003 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-SAS-003")
    public static let dpsAuthSas004 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-SAS-004")
    public static let dpsAuthSas005 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-SAS-005")
    public static let dpsAuthDerive001 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-DERIVE-001")
    public static let dpsAuthX509001 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-X509-001")
    public static let dpsAuthX509002 = RequirementID(uncheckedCatalogueID: "DPS-AUTH-X509-002")
    public static let dpsId001 = RequirementID(uncheckedCatalogueID: "DPS-ID-001")
    public static let dpsId002 = RequirementID(uncheckedCatalogueID: "DPS-ID-002")
    public static let dpsId003 = RequirementID(uncheckedCatalogueID: "DPS-ID-003")
    public static let dpsId004 = RequirementID(uncheckedCatalogueID: "DPS-ID-004")
    public static let dpsFlowResult001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RESULT-001")
    public static let dpsFlowRid001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RID-001")
    public static let dpsFlowPoll001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-POLL-001")
    public static let dpsFlowOpid001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-OPID-001")
    public static let dpsFlowRetry001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RETRY-001")
    public static let dpsFlowRetry002 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RETRY-002")
    public static let dpsFlowErr001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-ERR-001")
    public static let dpsFlowTerm001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-TERM-001")
    public static let dpsFlowDeadline001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-DEADLINE-001")
    public static let dpsFlowReg001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-REG-001")
    public static let dpsFlowRetry003 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RETRY-003")
    public static let dpsFlowEtag001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-ETAG-001")
    public static let dpsFlowTransient001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-TRANSIENT-001")
    public static let dpsFlowReconnect001 = RequirementID(uncheckedCatalogueID: "DPS-FLOW-RECONNECT-001")
    public static let dpsBehavSeq001 = RequirementID(uncheckedCatalogueID: "DPS-BEHAV-SEQ-001")
    public static let dpsBehavField001 = RequirementID(uncheckedCatalogueID: "DPS-BEHAV-FIELD-001")
    public static let dpsBehavTime001 = RequirementID(uncheckedCatalogueID: "DPS-BEHAV-TIME-001")
    // Service-side rules, checked by device scripts (Scenarios/service-tolerance.yaml).
    public static let dpsSvcRid001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-RID-001")
    public static let dpsSvcRid002 = RequirementID(uncheckedCatalogueID: "DPS-SVC-RID-002")
    public static let dpsSvcSession001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-SESSION-001")
    public static let dpsSvcKeepalive001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-KEEPALIVE-001")
    public static let dpsSvcQos001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-QOS-001")
    public static let dpsSvcPoll001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-POLL-001")
    public static let dpsSvcPayload001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-PAYLOAD-001")
    public static let dpsSvcSas001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-SAS-001")
    public static let dpsSvcSas002 = RequirementID(uncheckedCatalogueID: "DPS-SVC-SAS-002")
    public static let dpsSvcSas003 = RequirementID(uncheckedCatalogueID: "DPS-SVC-SAS-003")
    public static let dpsSvcHttp001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-HTTP-001")
    public static let dpsSvcId001 = RequirementID(uncheckedCatalogueID: "DPS-SVC-ID-001")
    public static let dpsSvcId002 = RequirementID(uncheckedCatalogueID: "DPS-SVC-ID-002")
    public static let diceCertBytes001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-BYTES-001")
    public static let diceCertKey001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-KEY-001")
    public static let diceCertFwid001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-FWID-001")
    public static let diceCertCn001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-CN-001")
    public static let diceCertExt001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-EXT-001")
    public static let diceCertDevid001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-DEVID-001")
    public static let diceCertSig001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-SIG-001")
    public static let diceCertDer001 = RequirementID(uncheckedCatalogueID: "DICE-CERT-DER-001")
    public static let diceNonce001 = RequirementID(uncheckedCatalogueID: "DICE-NONCE-001")
    public static let diceNonce002 = RequirementID(uncheckedCatalogueID: "DICE-NONCE-002")

    /// Every catalogued DPS and DICE requirement, in catalogue order.
    public static let catalogued: [RequirementID] = [
        dpsMqttConn001,
        dpsMqttConn002,
        dpsMqttConn003,
        dpsMqttSub001,
        dpsMqttSub002,
        dpsMqttReg002,
        dpsMqttPoll002,
        dpsMqttPoll003,
        dpsMqttTopic001,
        dpsMqttPkt001,
        dpsMqttTls001,
        dpsMqttSize001,
        dpsMqttDisc001,
        dpsHttpRoute001,
        dpsHttpApi001,
        dpsHttpBody001,
        dpsHttpBody002,
        dpsHttpLookup001,
        dpsHttpMsg001,
        dpsAuthSas001,
        dpsAuthSas002,
        dpsAuthSas003,
        dpsAuthSas004,
        dpsAuthSas005,
        dpsAuthDerive001,
        dpsAuthX509001,
        dpsAuthX509002,
        dpsId001,
        dpsId002,
        dpsId003,
        dpsId004,
        dpsFlowResult001,
        dpsFlowRid001,
        dpsFlowPoll001,
        dpsFlowOpid001,
        dpsFlowRetry001,
        dpsFlowRetry002,
        dpsFlowErr001,
        dpsFlowTerm001,
        dpsFlowDeadline001,
        dpsFlowReg001,
        dpsFlowRetry003,
        dpsFlowEtag001,
        dpsFlowTransient001,
        dpsFlowReconnect001,
        dpsBehavSeq001,
        dpsBehavField001,
        dpsBehavTime001,
        dpsSvcRid001,
        dpsSvcRid002,
        dpsSvcSession001,
        dpsSvcKeepalive001,
        dpsSvcQos001,
        dpsSvcPoll001,
        dpsSvcPayload001,
        dpsSvcSas001,
        dpsSvcSas002,
        dpsSvcSas003,
        dpsSvcHttp001,
        dpsSvcId001,
        dpsSvcId002,
        diceCertBytes001,
        diceCertKey001,
        diceCertFwid001,
        diceCertCn001,
        diceCertExt001,
        diceCertDevid001,
        diceCertSig001,
        diceCertDer001,
        diceNonce001,
        diceNonce002,
    ]
}

extension RequirementID {
    /// Whether this is a rule of the service (`DPS-SVC-*`): checked by the expectations of device
    /// scripts against the endpoint, not by a check over a device's transcript.
    public var isServiceRule: Bool { rawValue.hasPrefix("DPS-SVC-") }
}
