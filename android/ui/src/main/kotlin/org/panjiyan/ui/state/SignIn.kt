package org.panjiyan.ui.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import uniffi.panjiyan_ffi.PanjiyanException

data class SignInUi(
    val server: String = "",
    val user: String = "",
    val password: String = "",
    val busy: Boolean = false,
    val error: Trouble? = null,
)

/** Sign in and enrol this phone: the first screen, until the server has said yes once. */
class SignInModel(private val app: AppContext) {
    private val state = MutableStateFlow(
        SignInUi(server = app.settings.serverUrl ?: app.defaultServer, user = app.settings.userName ?: ""),
    )
    val ui: StateFlow<SignInUi> = state

    fun server(v: String) = state.update { it.copy(server = v.trim(), error = null) }
    fun user(v: String) = state.update { it.copy(user = v.trim(), error = null) }
    fun password(v: String) = state.update { it.copy(password = v, error = null) }

    /** True when the phone is enrolled; the password is forgotten either way. */
    suspend fun signIn(): Boolean {
        val s = state.value
        if (s.server.isEmpty() || s.user.isEmpty() || s.password.isEmpty()) {
            state.update { it.copy(error = Trouble.Own { t -> t.signInMissing }) }
            return false
        }
        state.update { it.copy(busy = true, error = null) }
        return try {
            val enrolment = withContext(app.io) { app.store.enrol(s.server, s.user, s.password) }
            app.settings.serverUrl = enrolment.serverUrl
            app.settings.userName = s.user
            app.settings.jurisdiction = enrolment.jurisdiction
            state.update { it.copy(busy = false, password = "") }
            true
        } catch (e: PanjiyanException) {
            state.update { it.copy(busy = false, password = "", error = Trouble.of(e)) }
            false
        }
    }
}
