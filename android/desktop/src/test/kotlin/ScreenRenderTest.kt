// Every screen drawn in Hindi and in English at 360 dp, from fixed synthetic states (no server,
// no store): the pictures land in target/screens for people to look at; the assertions check
// what a user would notice (something is drawn, the language changes the screen).

import androidx.compose.runtime.Composable
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.panjiyan.ui.screens.FindScreen
import org.panjiyan.ui.screens.HomeScreen
import org.panjiyan.ui.screens.OutboxScreen
import org.panjiyan.ui.screens.PacksScreen
import org.panjiyan.ui.screens.RegisterActions
import org.panjiyan.ui.screens.RegisterScreen
import org.panjiyan.ui.screens.SignInScreen
import org.panjiyan.ui.screens.StatusScreen
import org.panjiyan.ui.state.FormFields
import org.panjiyan.ui.state.RegisterUi
import org.panjiyan.ui.state.SignInUi
import org.panjiyan.ui.state.Trouble
import org.panjiyan.ui.text.Strings
import uniffi.panjiyan_ffi.Occupation
import uniffi.panjiyan_ffi.SyncReport

object NoActions : RegisterActions {
    override fun edit(field: String, change: (FormFields) -> FormFields) {}
    override fun occupationQuery(q: String) {}
    override fun chooseOccupation(o: Occupation?) {}
    override fun review() {}
    override fun backToEdit() {}
    override fun save(acknowledge: Boolean) {}
    override fun discard() {}
    override fun next() {}
}

fun bothLanguages(name: String, heightDp: Int = PHONE_HEIGHT_DP, screen: @Composable (Strings) -> Unit) {
    val hi = render("${name}_hi", heightDp) { screen(Strings.of("hi")) }
    val en = render("${name}_en", heightDp) { screen(Strings.of("en")) }
    assertTrue(hi.colours > 20, "$name in Hindi draws more than a blank screen (${hi.colours} colours)")
    assertTrue(en.colours > 20, "$name in English draws more than a blank screen (${en.colours} colours)")
    assertTrue(hi.differenceFrom(en) > 0.01, "$name looks different in Hindi and in English")
}

@Composable
fun Register(ui: RegisterUi, s: Strings) = RegisterScreen(ui, s, {}, {}, NoActions)

class ScreenRenderTest {
    private val s = Samples

    @Test
    fun signInScreenIsDrawnInBothLanguages() = bothLanguages("01_sign_in") { t ->
        SignInScreen(
            SignInUi(server = "https://panjiyan.example.in", user = "operator", password = "secret",
                error = Trouble.Own { it.wrongPassword }),
            t, {}, {}, {}, {}, {},
        )
    }

    @Test
    fun homeScreenShowsDataWaitingAndAllSentInBothLanguages() {
        bothLanguages("02_home_waiting") { t -> HomeScreen(s.home, s.syncWaiting, t, s.now, {}, {}, {}, {}, {}, {}) }
        bothLanguages("02_home_all_sent") { t -> HomeScreen(s.home.copy(drafts = 0), s.syncClear, t, s.now, {}, {}, {}, {}, {}, {}) }
        val waiting = render("02_home_waiting_compare") { HomeScreen(s.home, s.syncWaiting, Strings.of("hi"), s.now, {}, {}, {}, {}, {}, {}) }
        val clear = render("02_home_all_sent_compare") { HomeScreen(s.home, s.syncClear, Strings.of("hi"), s.now, {}, {}, {}, {}, {}, {}) }
        assertTrue(waiting.differenceFrom(clear) > 0.02, "data waiting to go looks clearly different from all sent")
    }

    @Test
    fun aWrongPhoneClockIsWarnedAboutOnTheHomeScreen() {
        val report = SyncReport(sent = 0u, acknowledged = 0u, duplicates = 0u, refused = 0u, statusesReceived = 0u, roundTrips = 1u)
        val wrong = s.syncClear.copy(report = report.copy(clockSkewSeconds = -86_400))
        val right = s.syncClear.copy(report = report.copy(clockSkewSeconds = 20))
        assertTrue(wrong.clockWrong && !right.clockWrong)
        bothLanguages("02_home_clock_wrong") { t -> HomeScreen(s.home, wrong, t, s.now, {}, {}, {}, {}, {}, {}) }
        val warned = render("02_home_clock_wrong_compare") { HomeScreen(s.home, wrong, Strings.of("hi"), s.now, {}, {}, {}, {}, {}, {}) }
        val calm = render("02_home_clock_right_compare") { HomeScreen(s.home, right, Strings.of("hi"), s.now, {}, {}, {}, {}, {}, {}) }
        assertTrue(warned.differenceFrom(calm) > 0.01, "the wrong clock's warning is drawn")
    }

    @Test
    fun campPacksScreenIsDrawnInBothLanguages() = bothLanguages("03_packs", 1400) { t ->
        PacksScreen(s.packs, t, s.now, {}, {}, {}, {}, {})
    }

    @Test
    fun findScreensAreDrawnInBothLanguages() {
        bothLanguages("04_find_keypad") { t -> Find(s.findKeypad, t) }
        bothLanguages("04_find_family", 1600) { t -> Find(s.findFamily, t) }
        bothLanguages("04_find_by_name") { t -> Find(s.findByName, t) }
    }

    @Composable
    private fun Find(ui: org.panjiyan.ui.state.FindUi, t: Strings) =
        FindScreen(ui, t, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})

    @Test
    fun registerScreensAreDrawnInBothLanguages() {
        bothLanguages("05_register_form", 1700) { t -> Register(s.registerEditing, t) }
        bothLanguages("05_register_not_eligible") { t -> Register(s.registerNotEligible, t) }
        bothLanguages("05_register_review", 1300) { t -> Register(s.registerReview, t) }
        bothLanguages("05_register_saved") { t -> Register(s.registerSaved, t) }
    }

    @Test
    fun outboxScreenIsDrawnInBothLanguages() = bothLanguages("06_outbox", 2000) { t ->
        OutboxScreen(s.registrations, s.syncReport, t, s.now, {}, {}, {}, {}, {})
    }

    @Test
    fun statusScreenIsDrawnInBothLanguages() = bothLanguages("07_status", 1300) { t ->
        StatusScreen(s.registrations, t, {}, {}, {})
    }
}
