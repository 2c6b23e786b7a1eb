package org.panjiyan.ui.state

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import org.panjiyan.ui.text.parseInstant
import uniffi.panjiyan_ffi.PanjiyanException
import uniffi.panjiyan_ffi.Text

/** One registration on this phone, with the worker's name from the pack. */
data class RegistrationLine(
    val id: String,
    val memberId: String,
    val nameHi: String,
    val nameEn: String,
    /** The core's state, or "refused" while the server's refusal waits for a fix. */
    val state: String,
    val registrationNumber: String?,
    /** Why it was rejected, as the worker is told it (from the core, both languages). */
    val reason: Text?,
    val refusal: List<Text>,
    val createdAt: Instant?,
)

data class RegistrationsUi(
    val lines: List<RegistrationLine> = emptyList(),
    val filter: String = "",
    val error: Trouble? = null,
) {
    val drafts get() = lines.filter { it.state == "draft" }
    val refused get() = lines.filter { it.state == "refused" }
    val waiting get() = lines.filter { it.state == "queued" }
    val sent get() = lines.filter { it.state !in setOf("draft", "refused", "queued") }

    /** What the status screen lists: everything the server has, newest first, filtered by ID. */
    val results get() = sent.filter { filter.isEmpty() || it.memberId.startsWith(filter) }
}

/** The outbox (drafts, refused, waiting, sent) and the status of each registration. */
class RegistrationsModel(private val app: AppContext) {
    private val state = MutableStateFlow(RegistrationsUi())
    val ui: StateFlow<RegistrationsUi> = state

    suspend fun refresh() {
        try {
            val lines = withContext(app.io) {
                val names = HashMap<String, Pair<String, String>>()
                app.store.registrations(null).map { r ->
                    val (hi, en) = names.getOrPut(r.memberId) {
                        app.store.member(r.memberId)?.let { it.nameHi to it.nameEn } ?: ("" to "")
                    }
                    RegistrationLine(
                        id = r.id, memberId = r.memberId, nameHi = hi, nameEn = en,
                        state = if (r.refusal.isNotEmpty()) "refused" else r.state,
                        registrationNumber = r.registrationNumber, reason = r.reasonText,
                        refusal = r.refusal, createdAt = parseInstant(r.createdAt),
                    )
                }
            }
            state.update { it.copy(lines = lines, error = null) }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }

    fun filter(digits: String) = state.update { it.copy(filter = digits.filter(Char::isDigit).take(9)) }

    /** Puts a refused registration back into drafts; returns the draft to open for fixing. */
    suspend fun fix(id: String): String? = try {
        withContext(app.io) { app.store.reopenRefused(id) }.also { refresh() }
    } catch (e: PanjiyanException) {
        state.update { it.copy(error = Trouble.of(e)) }
        null
    }
}
