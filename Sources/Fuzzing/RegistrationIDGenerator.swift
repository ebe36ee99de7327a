/// Registration IDs to try, by grammar and by mutation (Microsoft Learn concepts-service,
/// "Registration ID"; azure-iot-sdk-c issue 405; MicrosoftDocs/azure-docs issue 52813): the
/// length edges 0, 1, 64, 65, 126 to 129 and very long ones, every character class, upper case,
/// Unicode with its normalisation forms and confusables, percent- and double encoding,
/// `$ # + / ? & %` and NUL, and special characters first or last.
public enum RegistrationIDGenerator {
    /// The characters the documented rule allows.
    static let lower = Array("abcdefghijklmnopqrstuvwxyz")
    static let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let digits = Array("0123456789")
    static let specials = Array("-._:")
    static let alphanumerics = lower + upper + digits

    /// Character classes outside the rule, each with a name that says why it is there.
    static let hostile: [(name: String, text: String)] = [
        ("dollar", "$"), ("hash", "#"), ("plus", "+"), ("slash", "/"), ("question", "?"), ("ampersand", "&"),
        ("percent", "%"), ("nul", "\u{0}"), ("space", " "), ("tab", "\t"), ("newline", "\n"), ("delete", "\u{7f}"),
        ("equals", "="), ("comma", ","), ("semicolon", ";"), ("at", "@"), ("backslash", "\\"), ("quote", "\""),
        ("apostrophe", "'"), ("less-than", "<"), ("asterisk", "*"), ("tilde", "~"), ("brace", "{"), ("pipe", "|"),
        ("latin-e-acute-nfc", "\u{e9}"), ("latin-e-acute-nfd", "e\u{301}"), ("sharp-s", "\u{df}"), ("ligature-fi", "\u{fb01}"),
        ("cyrillic-a-confusable", "\u{430}"), ("greek-omicron-confusable", "\u{3bf}"), ("fullwidth-A", "\u{ff21}"),
        ("fullwidth-digit-0", "\u{ff10}"), ("arabic-indic-digit", "\u{663}"), ("zero-width-space", "\u{200b}"),
        ("right-to-left-override", "\u{202e}"), ("byte-order-mark", "\u{feff}"), ("noncharacter-FFFF", "\u{ffff}"),
        ("emoji", "\u{1f600}"), ("kelvin-sign", "\u{212a}"), ("dotless-i", "\u{131}"), ("percent-encoded-a", "%61"),
        ("double-encoded-a", "%2561"), ("percent-encoded-slash", "%2F"), ("double-encoded-slash", "%252F"),
        ("percent-encoded-nul", "%00"), ("dot-dot-slash", "../"), ("mqtt-wildcard-plus", "+/#"),
    ]

    /// How a case's ID was made; part of the case, so a report says why the ID exists.
    public static func generate(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        switch random.int(in: 0...9) {
        case 0, 1: return grammarValid(&random)
        case 2: return lengthEdge(&random)
        case 3, 4: return withHostile(&random)
        case 5: return specialAtEnd(&random)
        case 6: return caseVariant(&random)
        default: return mutated(&random)
        }
    }

    /// A valid ID of the documented grammar: `[A-Za-z0-9-._:]*` ending alphanumeric or `-`.
    static func grammarValid(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        let length = random.pick([1, 2, 8, 16, 36, 63, 64, 65, 126, 127, 128])
        return (validID(length: length, lowercaseOnly: random.chance(1, in: 2), &random), "grammar/valid-length-\(length)")
    }

    static func validID(length: Int, lowercaseOnly: Bool, _ random: inout FuzzRandom) -> String {
        let body = lowercaseOnly ? lower + digits + ["-"] : alphanumerics + specials
        let last = lowercaseOnly ? lower + digits + ["-"] : alphanumerics + ["-"]
        var characters: [Character] = []
        for index in 0..<length {
            let first = index == 0
            characters.append(random.pick(index == length - 1 ? last : (first ? lower + digits : body)))
        }
        return String(characters)
    }

    static func lengthEdge(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        let length = random.pick([0, 1, 64, 65, 126, 127, 128, 129, 255, 256, 1024, 8192])
        return (validID(length: length, lowercaseOnly: true, &random), "length/\(length)")
    }

    static func withHostile(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        let (name, text) = random.pick(hostile)
        var base = Array(validID(length: random.int(in: 2...40), lowercaseOnly: true, &random))
        let position = random.int(in: 0...base.count)
        let place = position == 0 ? "first" : (position == base.count ? "last" : "inside")
        base.insert(contentsOf: Array(text), at: position)
        return (String(base), "class/\(name)/\(place)")
    }

    static func specialAtEnd(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        let special = random.pick(specials)
        let base = validID(length: random.int(in: 1...30), lowercaseOnly: true, &random)
        if random.chance(1, in: 2) { return (String(special) + base, "special-first/\(special)") }
        return (base + String(special), "special-last/\(special)")
    }

    static func caseVariant(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        let base = validID(length: random.int(in: 1...64), lowercaseOnly: true, &random)
        switch random.int(in: 0...2) {
        case 0: return (base.uppercased(), "upper-case/all")
        case 1: return (String(base.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element }), "upper-case/mixed")
        default: return ("ABC_def.1:x-", "upper-case/pitfall-8")
        }
    }

    /// A valid seed changed by one mutation: delete, duplicate, swap case, replace or insert.
    static func mutated(_ random: inout FuzzRandom) -> (id: String, origin: String) {
        var characters = Array(validID(length: random.int(in: 1...128), lowercaseOnly: false, &random))
        let index = random.int(in: 0...(characters.count - 1))
        switch random.int(in: 0...4) {
        case 0:
            characters.remove(at: index)
            return (String(characters), "mutation/delete")
        case 1:
            characters.insert(characters[index], at: index)
            return (String(characters), "mutation/duplicate")
        case 2:
            let flipped = characters[index].isUppercase ? characters[index].lowercased() : characters[index].uppercased()
            characters.replaceSubrange(index...index, with: Array(flipped))
            return (String(characters), "mutation/swap-case")
        case 3:
            let (name, text) = random.pick(hostile)
            characters.replaceSubrange(index...index, with: Array(text))
            return (String(characters), "mutation/replace-\(name)")
        default:
            characters.insert(random.pick(alphanumerics + specials), at: index)
            return (String(characters), "mutation/insert")
        }
    }
}
