package org.panjiyan.ui.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import uniffi.panjiyan_ffi.Eligibility
import uniffi.panjiyan_ffi.Facts
import uniffi.panjiyan_ffi.Form
import uniffi.panjiyan_ffi.Member
import uniffi.panjiyan_ffi.Migrant
import uniffi.panjiyan_ffi.Occupation
import uniffi.panjiyan_ffi.PanjiyanException
import uniffi.panjiyan_ffi.Problem
import uniffi.panjiyan_ffi.Text

enum class Step { Edit, Review, Saved }

/** The fields as typed; the core checks them, this only holds them. */
data class FormFields(
    val occupationCode: String? = null,
    val mobile: String = "",
    val governmentServant: Boolean = false,
    val incomeTaxPayer: Boolean = false,
    val epfoEsicMember: Boolean = false,
    val landAres: String = "",
    val irrigatedAres: String = "",
    val aadhaar: String = "",
    val ifsc: String = "",
    val messageLanguage: String = "hi",
    val consent: Boolean = false,
    /** The worker came back from work in another state: the migrant details below are asked. */
    val returnedMigrant: Boolean = false,
    val migrantState: String = "",
    val migrantDistrict: String = "",
    val migrantMonths: String = "",
    val migrantReturnedOn: String = "",
    val migrantExperience: String = "",
    val migrantCertificate: String = "",
    /** Where the worker will work, for job offers (Rozgar Setu): "", block, district or state. */
    val willingToWork: String = "",
    /** The worker agreed to be told of offers of work by SMS and calls. */
    val jobConsent: Boolean = false,
)

data class RegisterUi(
    val member: Member? = null,
    val draftId: String? = null,
    val fields: FormFields = FormFields(),
    val occupationQuery: String = "",
    val occupations: List<Occupation> = emptyList(),
    val chosenOccupation: Occupation? = null,
    /** The core's problems with the form, by field (mobile, occupation, aadhaar, ...). */
    val problems: List<Problem> = emptyList(),
    val eligibility: Eligibility? = null,
    /** Fields the operator has changed: their problems show at once, the rest on review. */
    val touched: Set<String> = emptySet(),
    val showAllProblems: Boolean = false,
    val step: Step = Step.Edit,
    val warnings: List<Text> = emptyList(),
    val busy: Boolean = false,
    val error: Trouble? = null,
) {
    /** The problems to show under one field now. */
    fun problemsOf(field: String): List<Text> =
        if (showAllProblems || field in touched) problems.filter { it.field == field }.map { it.text } else emptyList()

    /** Problems that belong to no input shown on the form. */
    val otherProblems: List<Text>
        get() = if (!showAllProblems) emptyList() else
            problems.filter { it.field !in FORM_FIELDS && it.field != "eligibility" }.map { it.text }

    companion object {
        val FORM_FIELDS = setOf("occupation", "mobile", "aadhaar", "bank_ifsc", "consent", "migrant")
    }
}

/**
 * One registration from the member's details to "saved": every change is written to the
 * draft in the store at once, so a killed app loses nothing; the core checks the form as it is
 * typed (the same checks and texts as when it is saved) and names each failed eligibility rule.
 */
class RegisterModel(private val app: AppContext) {
    private val state = MutableStateFlow(RegisterUi())
    val ui: StateFlow<RegisterUi> = state
    private val writes = Mutex()

    private fun form(s: RegisterUi): Form {
        val f = s.fields
        val member = s.member!!
        return Form(
            memberId = member.memberId,
            occupationCode = f.occupationCode,
            mobile = f.mobile.ifBlank { null },
            aadhaar = f.aadhaar.ifBlank { null },
            bankIfsc = f.ifsc.ifBlank { null },
            facts = facts(f),
            channel = "camp",
            // The camp the operator started on the home screen, from the phone's calendar.
            campId = app.settings.todaysCampId,
            operatorId = app.settings.userName ?: "",
            consent = f.consent,
            language = f.messageLanguage,
            migrant = if (!f.returnedMigrant) null else Migrant(
                stateWorkedIn = f.migrantState.trim(),
                districtOrCity = f.migrantDistrict.trim().ifBlank { null },
                tradeCode = null,
                monthsAway = f.migrantMonths.trim().toUShortOrNull(),
                returnedOn = f.migrantReturnedOn.trim().ifBlank { null },
                experienceYears = f.migrantExperience.trim().toUByteOrNull(),
                certificate = f.migrantCertificate.trim().ifBlank { null },
                willingToWork = f.willingToWork.ifBlank { null },
                jobConsent = f.jobConsent,
            ),
        )
    }

    private fun facts(f: FormFields) = Facts(
        governmentServant = f.governmentServant,
        incomeTaxPayer = f.incomeTaxPayer,
        epfoEsicMember = f.epfoEsicMember,
        landAres = f.landAres.trim().toUIntOrNull(),
        irrigatedLandAres = f.irrigatedAres.trim().toUIntOrNull(),
    )

    private fun fieldsOf(form: Form) = FormFields(
        occupationCode = form.occupationCode,
        mobile = form.mobile ?: "",
        governmentServant = form.facts.governmentServant,
        incomeTaxPayer = form.facts.incomeTaxPayer,
        epfoEsicMember = form.facts.epfoEsicMember,
        landAres = form.facts.landAres?.toString() ?: "",
        irrigatedAres = form.facts.irrigatedLandAres?.toString() ?: "",
        aadhaar = form.aadhaar ?: "",
        ifsc = form.bankIfsc ?: "",
        messageLanguage = form.language,
        consent = form.consent,
        returnedMigrant = form.migrant != null,
        migrantState = form.migrant?.stateWorkedIn ?: "",
        migrantDistrict = form.migrant?.districtOrCity ?: "",
        migrantMonths = form.migrant?.monthsAway?.toString() ?: "",
        migrantReturnedOn = form.migrant?.returnedOn ?: "",
        migrantExperience = form.migrant?.experienceYears?.toString() ?: "",
        migrantCertificate = form.migrant?.certificate ?: "",
        willingToWork = form.migrant?.willingToWork ?: "",
        jobConsent = form.migrant?.jobConsent ?: false,
    )

    /** Starts a new registration of a member: a draft is saved at once. */
    suspend fun start(memberId: String) {
        state.value = RegisterUi(busy = true, fields = FormFields(messageLanguage = app.settings.language))
        try {
            val member = withContext(app.io) { app.store.member(memberId) }
                ?: return state.update { it.copy(busy = false, error = Trouble.Code("member_not_found")) }
            state.update { it.copy(member = member) }
            val id = withContext(app.io) { app.store.createDraft(form(state.value)) }
            state.update { it.copy(draftId = id, busy = false) }
            check()
            occupationQuery("")
        } catch (e: PanjiyanException) {
            state.update { it.copy(busy = false, error = Trouble.of(e)) }
        }
    }

    /** Goes on with a draft saved earlier (the app was closed or killed, or a refusal is fixed). */
    suspend fun resume(draftId: String) {
        state.value = RegisterUi(busy = true)
        try {
            val form = withContext(app.io) { app.store.registrationForm(draftId) }
                ?: return state.update { it.copy(busy = false, error = Trouble.Code("registration_not_found")) }
            val member = withContext(app.io) { app.store.member(form.memberId) }
            val fields = fieldsOf(form)
            val chosen = fields.occupationCode?.let { code ->
                withContext(app.io) { app.store.occupations("", "en") }.firstOrNull { it.code == code }
            }
            state.value = RegisterUi(member = member, draftId = draftId, fields = fields, chosenOccupation = chosen)
            check()
            occupationQuery("")
        } catch (e: PanjiyanException) {
            state.update { it.copy(busy = false, error = Trouble.of(e)) }
        }
    }

    /** Changes fields, writes the draft and checks it again. */
    suspend fun edit(field: String, change: (FormFields) -> FormFields) {
        state.update { it.copy(fields = change(it.fields), touched = it.touched + field, error = null) }
        save()
        check()
    }

    suspend fun chooseOccupation(o: Occupation?) {
        state.update { it.copy(chosenOccupation = o) }
        edit("occupation") { it.copy(occupationCode = o?.code) }
    }

    suspend fun occupationQuery(q: String) {
        state.update { it.copy(occupationQuery = q) }
        val list = withContext(app.io) { app.store.occupations(q, app.settings.language) }
        state.update { if (it.occupationQuery == q) it.copy(occupations = list) else it }
    }

    /** Writes the newest state of the form to its draft; writes never overtake each other. */
    private suspend fun save() = writes.withLock {
        val s = state.value
        val id = s.draftId ?: return
        try {
            withContext(app.io) { app.store.updateDraft(id, form(s)) }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }

    private suspend fun check() {
        val s = state.value
        if (s.member == null) return
        try {
            val (problems, eligibility) = withContext(app.io) {
                app.store.formProblems(form(s)) to app.store.checkEligibility(s.member.memberId, facts(s.fields))
            }
            state.update { if (it.fields == s.fields) it.copy(problems = problems, eligibility = eligibility) else it }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }

    /** To the review step when the core finds nothing wrong; otherwise every problem shows. */
    fun review() = state.update {
        if (it.problems.isEmpty()) it.copy(step = Step.Review, showAllProblems = true)
        else it.copy(showAllProblems = true, error = Trouble.Own { s -> s.fixProblemsFirst })
    }

    fun backToEdit() = state.update { it.copy(step = Step.Edit, warnings = emptyList()) }

    /** Signs and queues the registration; warnings must be confirmed with [acknowledge]. */
    suspend fun finalise(acknowledge: Boolean = false): Boolean {
        val id = state.value.draftId ?: return false
        state.update { it.copy(busy = true, error = null) }
        save()
        return try {
            withContext(app.io) { app.store.finalise(id, acknowledge) }
            state.update { it.copy(busy = false, step = Step.Saved, warnings = emptyList()) }
            app.requestSync()
            true
        } catch (e: PanjiyanException.NeedsConfirmation) {
            state.update { it.copy(busy = false, warnings = e.warnings) }
            false
        } catch (e: PanjiyanException.FormProblems) {
            state.update { it.copy(busy = false, step = Step.Edit, problems = e.problems, showAllProblems = true) }
            false
        } catch (e: PanjiyanException) {
            state.update { it.copy(busy = false, error = Trouble.of(e)) }
            false
        }
    }

    suspend fun discard() {
        val id = state.value.draftId ?: return
        try {
            withContext(app.io) { app.store.discardDraft(id) }
            state.value = RegisterUi()
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }
}
