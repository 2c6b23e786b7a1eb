package org.panjiyan.ui.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import uniffi.panjiyan_ffi.Family
import uniffi.panjiyan_ffi.Member
import uniffi.panjiyan_ffi.PanjiyanException

data class FindUi(
    val byName: Boolean = false,
    val digits: String = "",
    val query: String = "",
    /** The whole family of the ID looked up, head first. */
    val family: Family? = null,
    val hits: List<Member> = emptyList(),
    val searched: Boolean = false,
    val error: Trouble? = null,
)

/** Find a worker: the Samagra ID first (typed on a keypad), a name search second. */
class FindModel(private val app: AppContext) {
    private val state = MutableStateFlow(FindUi())
    val ui: StateFlow<FindUi> = state

    fun digit(d: Char) {
        if (d.isDigit() && state.value.digits.length < 9) {
            state.update { it.copy(digits = it.digits + d, error = null) }
        }
    }

    fun deleteDigit() = state.update { it.copy(digits = it.digits.dropLast(1), error = null) }
    fun clear() = state.update { it.copy(digits = "", family = null, searched = false, error = null) }
    fun byName(on: Boolean) = state.update { it.copy(byName = on, error = null, searched = false) }

    /** Looks up the family of a 9-digit member ID or an 8-digit family ID. */
    suspend fun findById() {
        val id = state.value.digits
        if (id.length != 8 && id.length != 9) {
            state.update { it.copy(error = Trouble.Own { s -> s.idLengthWrong }, family = null) }
            return
        }
        try {
            val family = withContext(app.io) { app.store.family(id) }
            state.update {
                it.copy(
                    family = family, searched = true,
                    error = if (family == null) Trouble.Own { s -> s.notInPacks } else null,
                )
            }
        } catch (e: PanjiyanException) {
            state.update { it.copy(family = null, error = Trouble.of(e)) }
        }
    }

    /** Name search as the operator types, tolerant of spelling variants. */
    suspend fun search(query: String) {
        state.update { it.copy(query = query, error = null) }
        if (query.trim().length < 2) {
            state.update { it.copy(hits = emptyList(), searched = false) }
            return
        }
        try {
            val hits = withContext(app.io) { app.store.search(query.trim(), null, 30u) }.map { it.member }
            // A later keystroke may have finished first: keep only the answer to the newest query.
            state.update { if (it.query == query) it.copy(hits = hits, searched = true) else it }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }

    /** Shows the family of a member found by name. */
    suspend fun showFamily(memberId: String) {
        state.update { it.copy(digits = memberId, byName = false) }
        findById()
    }

    /** After a registration was saved: the same family again, with the new state marked. */
    suspend fun refresh() {
        if (state.value.family != null) findById()
    }
}
