import DPSCore
import Testing

/// The service's word on a shared virtual clock that a device's request is settled without an
/// answer: it wakes that device's wait, and only that device's, and only for a later request.
@Suite("Settled requests on the virtual clock")
struct SettledSignalTests {
    @Test("a real clock carries no word from the service")
    func realClock() {
        let clock = SystemClock()
        clock.noteSettled(registrationID: "device-01")
        #expect(clock.settledMark(registrationID: "device-01") == nil)
    }

    @Test("the mark counts the device's settled requests, not another device's")
    func marks() {
        let clock = VirtualClock()
        #expect(clock.settledMark(registrationID: "device-01") == 0)
        clock.noteSettled(registrationID: "device-02")
        #expect(clock.settledMark(registrationID: "device-01") == 0)
        clock.noteSettled(registrationID: "device-01")
        clock.noteSettled(registrationID: "device-01")
        #expect(clock.settledMark(registrationID: "device-01") == 2)
        #expect(clock.settledMark(registrationID: "device-02") == 1)
    }

    @Test("a wait taken before the word ends when the word comes", .timeLimit(.minutes(1)))
    func wakes() async throws {
        let clock = VirtualClock()
        let mark = try #require(clock.settledMark(registrationID: "device-01"))
        let waiting = Task { await clock.settled(registrationID: "device-01", after: mark) }
        // Another device's word leaves it waiting; its own ends it (the time limit fails the test otherwise).
        clock.noteSettled(registrationID: "device-02")
        clock.noteSettled(registrationID: "device-01")
        await waiting.value
        #expect(clock.settledMark(registrationID: "device-01") == mark + 1)
    }

    @Test("a word given before the mark does not end a later wait; cancelling does", .timeLimit(.minutes(1)))
    func earlierWordAndCancellation() async throws {
        let clock = VirtualClock()
        clock.noteSettled(registrationID: "device-01")
        let mark = try #require(clock.settledMark(registrationID: "device-01"))
        let ended = Task { () -> UInt64? in
            await clock.settled(registrationID: "device-01", after: mark)
            return clock.settledMark(registrationID: "device-01")
        }
        ended.cancel()
        // Ended by the cancellation: no word came after the mark.
        #expect(await ended.value == mark)
    }
}
