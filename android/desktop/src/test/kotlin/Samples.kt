// Fixed, synthetic screen states for the renders: made-up people, never real ones. Texts that
// the core owns (eligibility rules, form problems, refusals) are the core's catalogue texts.

import java.time.Instant
import java.time.temporal.ChronoUnit
import org.panjiyan.ui.state.FindUi
import org.panjiyan.ui.state.FormFields
import org.panjiyan.ui.state.HomeUi
import org.panjiyan.ui.state.PackLine
import org.panjiyan.ui.state.PacksUi
import org.panjiyan.ui.state.RegisterUi
import org.panjiyan.ui.state.RegistrationLine
import org.panjiyan.ui.state.RegistrationsUi
import org.panjiyan.ui.state.Step
import org.panjiyan.ui.state.SyncUi
import uniffi.panjiyan_ffi.Eligibility
import uniffi.panjiyan_ffi.Family
import uniffi.panjiyan_ffi.LocalUnit
import uniffi.panjiyan_ffi.Member
import uniffi.panjiyan_ffi.Occupation
import uniffi.panjiyan_ffi.Problem
import uniffi.panjiyan_ffi.SyncReport
import uniffi.panjiyan_ffi.Text

object Samples {
    val now: Instant = Instant.parse("2026-11-22T10:30:00Z")
    fun ago(minutes: Long): Instant = now.minus(minutes, ChronoUnit.MINUTES)

    fun member(
        id: String, hi: String, en: String, relation: String, gender: String, age: Int,
        onServer: String? = null, onPhone: String? = null, number: String? = null,
    ) = Member(
        memberId = id, familyId = "40100123", unitCode = "401001", nameHi = hi, nameEn = en,
        guardianNameHi = "रामलाल कुशवाहा", guardianNameEn = "Ramlal Kushwaha", gender = gender,
        birthYear = 2026 - age, birthEstimated = age > 50, age = age, relation = relation,
        registeredState = onServer, registrationNumber = number, deviceRegistrationId = onPhone?.let { "r-$id" },
        deviceRegistrationState = onPhone,
    )

    val worker = member("401001230", "सुनीता कुशवाहा", "Sunita Kushwaha", "spouse", "female", 34)
    val family = Family(
        familyId = "40100123", addressHi = "वार्ड 4, ग्राम बिलखिरिया, फंदा", addressEn = "Ward 4, Bilkhiriya village, Phanda",
        members = listOf(
            member("401001229", "रामकिशन कुशवाहा", "Ramkishan Kushwaha", "head", "male", 52, onServer = "approved", number = "MP-401-2026-000117"),
            worker,
            member("401001231", "अजय कुशवाहा", "Ajay Kushwaha", "son", "male", 19, onPhone = "queued"),
            member("401001232", "पूजा कुशवाहा", "Pooja Kushwaha", "daughter", "female", 12),
        ),
    )

    val units = listOf(
        LocalUnit("401001", "बिलखिरिया", "Bilkhiriya", 3u, 1_186u, ago(60 * 26).toString()),
        LocalUnit("401002", "ईंटखेड़ी", "Intkhedi", 2u, 944u, ago(60 * 3).toString()),
    )

    val home = HomeUi(units = units, registeredToday = 23, drafts = 1)
    val syncWaiting = SyncUi(queued = 17, refused = 1, oldestQueuedAt = ago(185), lastSyncAt = ago(60 * 20))
    val syncClear = SyncUi(lastSyncAt = ago(12))

    val packs = PacksUi(
        lines = listOf(
            PackLine("401001", "बिलखिरिया", "Bilkhiriya", 21_450, 3, 3, 1_186, ago(60 * 26), false),
            PackLine("401002", "ईंटखेड़ी", "Intkhedi", 18_320, 3, 2, 944, ago(60 * 72), true),
            PackLine("401003", "लांबाखेड़ा", "Lambakheda", 25_900, 1, null, null, null, true, partial = true),
            PackLine("401004", "खजूरी कलां", "Khajuri Kalan", 31_004, 2, null, null, null, true),
        ),
        downloading = "401002", done = 7_200, total = 18_320,
    )

    val findKeypad = FindUi(digits = "4010012")
    val findFamily = FindUi(digits = "401001230", family = family, searched = true)
    val findByName = FindUi(byName = true, query = "sunita", hits = listOf(worker, family.members[3]), searched = true)

    private fun core(hi: String, en: String, key: String = "") = Text(key, hi, en)
    val ageBelowMin = core(
        "आयु 12 वर्ष है, जो इस योजना की न्यूनतम आयु 18 वर्ष से कम है।",
        "Age 12 is below the minimum age of 18 years for this scheme.",
    )
    val landNotDeclared = core(
        "धारित भूमि दर्ज नहीं की गई है। इस योजना में सीमा 1 हेक्टेयर है: श्रमिक से पूछकर दर्ज करें।",
        "The land held has not been entered. This scheme's limit is 1 ha: ask the worker and enter it.",
    )
    val mobileInvalid = core(
        "मोबाइल नंबर 10 अंकों का होना चाहिए और 6, 7, 8 या 9 से शुरू होना चाहिए।",
        "The mobile number must have 10 digits and start with 6, 7, 8 or 9.",
    )
    val conflict = core(
        "सर्वर के पास इस आईडी से कोई अलग पंजीयन पहले से है।",
        "The server already holds a different registration with this id.",
    )
    val occupations = listOf(
        Occupation("agricultural_labour", "खेतिहर मज़दूर", "Agricultural labour"),
        Occupation("construction", "भवन निर्माण", "Construction"),
        Occupation("tailoring", "सिलाई", "Tailoring"),
        Occupation("domestic_work", "घरेलू काम", "Domestic work"),
    )

    val registerEditing = RegisterUi(
        member = worker, draftId = "d1",
        fields = FormFields(mobile = "98765 4321"),
        occupationQuery = "", occupations = occupations,
        problems = listOf(Problem("mobile", mobileInvalid)),
        eligibility = Eligibility(eligible = true, failed = emptyList(), doubtful = listOf(landNotDeclared)),
        touched = setOf("mobile"),
    )
    val registerNotEligible = RegisterUi(
        member = family.members[3], draftId = "d2", fields = FormFields(),
        occupations = occupations,
        eligibility = Eligibility(eligible = false, failed = listOf(ageBelowMin), doubtful = emptyList()),
    )
    val registerReview = RegisterUi(
        member = worker, draftId = "d1", step = Step.Review, chosenOccupation = occupations[1],
        fields = FormFields(occupationCode = "construction", mobile = "9876543210", landAres = "40",
            aadhaar = "234123412346", consent = true),
        eligibility = Eligibility(true, emptyList(), emptyList()),
    )
    val registerSaved = registerReview.copy(step = Step.Saved)

    private fun line(id: String, m: Member, state: String, minutes: Long, number: String? = null, refusal: List<Text> = emptyList(), reason: Text? = null) =
        RegistrationLine(id, m.memberId, m.nameHi, m.nameEn, state, number, reason, refusal, ago(minutes))

    val registrations = RegistrationsUi(
        lines = listOf(
            line("a", worker, "refused", 300, refusal = listOf(conflict)),
            line("b", family.members[3], "draft", 20),
            line("c", family.members[2], "queued", 185),
            line("d", family.members[0], "approved", 60 * 50, number = "MP-401-2026-000117"),
            line("e", member("401001301", "कमला बाई", "Kamla Bai", "head", "female", 45), "pending_approval", 60 * 30),
            line("f", member("401001302", "गीता अहिरवार", "Gita Ahirwar", "head", "female", 38), "rejected", 60 * 30,
                reason = Text("reject.details_mismatch", "विवरण समग्र अभिलेख से मेल नहीं खाते", "the details do not match the Samagra record")),
            line("g", member("401001303", "सुरेश पटेल", "Suresh Patel", "head", "male", 41), "duplicate", 60 * 30),
        ),
    )
    val syncReport = SyncUi(queued = 1, refused = 1, oldestQueuedAt = ago(185), lastSyncAt = ago(5),
        report = SyncReport(sent = 5u, acknowledged = 4u, duplicates = 1u, refused = 1u, statusesReceived = 3u, roundTrips = 3u))
}
