package org.panjiyan.ui.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import org.panjiyan.ui.text.Strings

/** Where the operator is. The app is small enough that a back stack of these is the navigation. */
sealed interface Route {
    data object SignIn : Route
    data object Home : Route
    data object Packs : Route
    data object Find : Route
    data object Register : Route
    data object Outbox : Route
    data object Status : Route
}

/** The state holders of every screen, the language and the back stack: one per process. */
class AppModel(val app: AppContext) {
    val signIn = SignInModel(app)
    val sync = SyncModel(app)
    val home = HomeModel(app)
    val packs = PacksModel(app)
    val find = FindModel(app)
    val register = RegisterModel(app)
    val registrations = RegistrationsModel(app)

    private val lang = MutableStateFlow(Strings.of(app.settings.language))
    val strings: StateFlow<Strings> = lang

    private val stack = MutableStateFlow(listOf(if (app.settings.enrolled) Route.Home else Route.SignIn))
    val route: StateFlow<List<Route>> = stack

    fun language(code: String) {
        app.settings.language = code
        lang.value = Strings.of(code)
    }

    fun go(to: Route) = stack.update { it + to }

    /** Replaces the whole stack, e.g. home after signing in. */
    fun reset(to: Route) = stack.update { listOf(to) }

    /** False when there is nowhere to go back to (the platform may then close the app). */
    fun back(): Boolean {
        // From the review of a registration, back means "change something", not "leave".
        if (stack.value.last() == Route.Register && register.ui.value.step == Step.Review) {
            register.backToEdit()
            return true
        }
        if (stack.value.size <= 1) return false
        stack.update { it.dropLast(1) }
        return true
    }

    /** What every screen shows fresh when it opens. */
    suspend fun refresh(route: Route) {
        when (route) {
            Route.Home -> { home.refresh(); sync.refresh() }
            Route.Packs -> packs.refresh()
            Route.Outbox -> { registrations.refresh(); sync.refresh() }
            Route.Status -> registrations.refresh()
            Route.Find -> find.refresh()
            Route.SignIn, Route.Register -> {}
        }
    }
}
