// Every screen drawn in Hindi and in English at 360 dp, from fixed synthetic data (no server,
// no store): the pictures land in target/screens for people to look at; the assertions check
// what a user would notice (something is drawn, the language changes the screen).

import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.panjiyan.ui.screens.SignInScreen
import org.panjiyan.ui.state.SignInUi
import org.panjiyan.ui.state.Trouble
import org.panjiyan.ui.text.Strings

class ScreenRenderTest {
    private fun bothLanguages(name: String, screen: @androidx.compose.runtime.Composable (Strings) -> Unit) {
        val hi = render("${name}_hi") { screen(Strings.of("hi")) }
        val en = render("${name}_en") { screen(Strings.of("en")) }
        assertTrue(hi.colours > 20, "$name in Hindi draws more than a blank screen (${hi.colours} colours)")
        assertTrue(en.colours > 20, "$name in English draws more than a blank screen (${en.colours} colours)")
        assertTrue(hi.differenceFrom(en) > 0.01, "$name looks different in Hindi and in English")
    }

    @Test
    fun signInScreenIsDrawnInBothLanguages() = bothLanguages("01_sign_in") { s ->
        SignInScreen(
            SignInUi(server = "https://panjiyan.example.in", user = "operator", password = "secret",
                error = Trouble.Own { it.wrongPassword }),
            s, {}, {}, {}, {}, {},
        )
    }
}
