package org.panjiyan.ui.text

/**
 * Every text the app shows in one language: whole sentences, never fragments glued together.
 * A sentence with a name or a date takes it as an argument, already formatted; a sentence with
 * a count takes the number, so that each language chooses its own singular or plural sentence
 * and writes the number the Indian way (1,16,124). Texts that the
 * core owns (form problems, eligibility rules, refusals, occupations) come from the core in
 * both languages and are not repeated here.
 */
class Strings(
    /** "hi" or "en": also the language the core's texts are picked in. */
    val code: String,
    val appName: String,
    val back: String,
    val cancel: String,
    val pleaseWait: String,
    val chooseLanguage: String,

    // Sign in and enrol the device.
    val signInTitle: String,
    val signInIntro: String,
    val serverLabel: String,
    val userLabel: String,
    val passwordLabel: String,
    val signInButton: String,
    val signInMissing: String,
    val signedIn: (jurisdiction: String) -> String,

    // Home.
    val homeTitle: String,
    val todaysCamp: String,
    val noPackYet: String,
    val startCamp: String,
    val phoneClockWrong: String,
    val campStarted: String,
    val noCampToday: String,
    val startUnplannedCamp: (unitName: String) -> String,
    val campAt: (venue: String, starts: String, ends: String) -> String,
    val registeredToday: (count: Long) -> String,
    val dataWaiting: (count: Long) -> String,
    val nothingWaiting: String,
    val refusedWaiting: (count: Long) -> String,
    val lastSync: (whenText: String) -> String,
    val neverSynced: String,
    val oldestUnsynced: (age: String) -> String,
    val draftsWaiting: (count: Long) -> String,
    val findWorker: String,
    val campPacks: String,
    val outboxAndSync: String,
    val statusTitle: String,
    val syncNow: String,
    val syncing: String,

    // Camp packs.
    val packsTitle: String,
    val packsIntro: String,
    val packSize: (size: String) -> String,
    val packOnPhone: (version: String, age: String) -> String,
    val packNotOnPhone: String,
    val packUpToDate: String,
    val packUpdateAvailable: (version: String) -> String,
    val packMembers: (count: Long) -> String,
    val download: String,
    val update: String,
    val resume: String,
    val stop: String,
    val downloading: (done: String, total: String) -> String,
    val downloadAllNeeded: String,
    val readyForCamp: (units: Long, people: Long) -> String,
    val notReadyForCamp: (count: Long) -> String,
    val noPacksOnPhone: String,
    val packsNeedNetwork: String,

    // Find a worker.
    val findTitle: String,
    val samagraIdLabel: String,
    val samagraIdHint: String,
    val find: String,
    val clear: String,
    val deleteDigit: String,
    val byName: String,
    val byNameHint: String,
    val bySamagraId: String,
    val noOneFound: String,
    val notInPacks: String,
    val idLengthWrong: String,
    val familyTitle: (familyId: String) -> String,
    val showFamily: String,
    val memberLine: (relation: String, gender: String, age: String) -> String,
    val ageEstimated: (age: String) -> String,
    val samagraMemberId: (id: String) -> String,
    val registerThisWorker: String,
    val alreadyRegistered: (state: String) -> String,
    val registeredOnThisPhone: (state: String) -> String,
    val registrationNumberIs: (number: String) -> String,

    // Register.
    val registerTitle: String,
    val guardian: (name: String) -> String,
    val occupationLabel: String,
    val occupationSearchHint: String,
    val occupationChosen: (name: String) -> String,
    val changeOccupation: String,
    val mobileLabel: String,
    val mobileHint: String,
    val declarationsTitle: String,
    val returnedMigrant: String,
    val migrantStateLabel: String,
    val migrantDistrictLabel: String,
    val migrantMonthsLabel: String,
    val migrantReturnedOnLabel: String,
    val migrantReturnedOnHint: String,
    val migrantExperienceLabel: String,
    val migrantCertificateLabel: String,
    val willingToWorkLabel: String,
    val willingBlock: String,
    val willingDistrict: String,
    val willingState: String,
    val jobConsent: String,
    val governmentServant: String,
    val incomeTaxPayer: String,
    val epfoEsicMember: String,
    val landLabel: String,
    val landHint: String,
    val irrigatedLandLabel: String,
    val optionalTitle: String,
    val aadhaarLabel: String,
    val ifscLabel: String,
    val messageLanguage: String,
    val consentLabel: String,
    val eligible: String,
    val notEligible: String,
    val checkAgain: String,
    val review: String,
    val reviewTitle: String,
    val reviewIntro: String,
    val edit: String,
    val save: String,
    val saveAnyway: String,
    val warningsTitle: String,
    val savedTitle: String,
    val savedBody: String,
    val registerNext: String,
    val discardDraft: String,
    val draftKept: String,
    val fixProblemsFirst: String,
    val yes: String,
    val no: String,
    val notGiven: String,

    // Outbox and sync.
    val outboxTitle: String,
    val waitingCount: (count: Long) -> String,
    val refusedCount: (count: Long) -> String,
    val draftsTitle: String,
    val continueDraft: String,
    val refusedTitle: String,
    val fixAndResend: String,
    val waitingTitle: String,
    val sentTitle: String,
    val syncReport: (sent: String, acknowledged: String, refused: String, statuses: String) -> String,
    val savedOn: (whenText: String) -> String,
    val outboxEmpty: String,

    // Status.
    val statusIntro: String,
    val noStatusYet: String,
    val duplicateOf: String,
    val rejectedBecause: (reason: String) -> String,
    val filterBySamagra: String,

    // Times and sizes.
    val justNow: String,
    val minutesAgo: (n: String) -> String,
    val hoursAgo: (n: String) -> String,
    val daysAgo: (n: String) -> String,
    val kilobytes: (n: String) -> String,
    val megabytes: (n: String) -> String,

    // Names of things the core sends as codes.
    val states: Map<String, String>,
    val relations: Map<String, String>,
    val genders: Map<String, String>,

    // Errors, by the core's stable codes; `unexpected` for anything else.
    val errors: Map<String, String>,
    val wrongPassword: String,
    val unexpected: String,
) {
    fun state(code: String): String = states[code] ?: code
    fun relation(code: String): String = relations[code] ?: relations.getValue("other")
    fun gender(code: String): String = genders[code] ?: code
    fun error(code: String): String = errors[code] ?: unexpected

    /** Picks the Hindi or English one of a pair the core sent. */
    fun pick(hi: String, en: String): String = if (code == "en") en else hi

    companion object {
        fun of(code: String): Strings = if (code == "en") English else Hindi
    }
}
