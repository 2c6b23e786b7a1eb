// The whole app composable, as the activity shows it, driven by taps on its semantics tree
// against the real core and server: home → find (typed on the keypad) → the family → register,
// and the language switch. What is asserted is what the operator would see on the screen.

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertHeightIsAtLeast
import androidx.compose.ui.test.filterToOne
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.panjiyan.ui.PanjiyanApp
import org.panjiyan.ui.state.AppModel
import org.panjiyan.ui.state.Route
import org.panjiyan.ui.text.English
import org.panjiyan.ui.text.Hindi

@OptIn(ExperimentalTestApi::class)
class AppUiTest {
    @Test
    fun anOperatorTapsFromHomeToTheRegisterFormInHindiAndSwitchesToEnglish() {
        val phone = Phone(fill = 10)
        val model = AppModel(phone.app)
        val worker = runBlocking {
            model.signIn.user("operator")
            model.signIn.password(PASSWORD)
            assertTrue(model.signIn.signIn())
            model.reset(Route.Home)
            model.packs.refresh()
            val village = model.packs.ui.value.lines[2] // each test class its own village: the tests share one server
            assertTrue(model.packs.download(village.code))
            adults(phone.store, village.code, 1).single()
        }
        try {
            runComposeUiTest {
                setContent { PanjiyanApp(model) }
                fun waitFor(text: String) = waitUntil(timeoutMillis = 10_000) {
                    onAllNodesWithText(text, substring = true).fetchSemanticsNodes().isNotEmpty()
                }

                waitFor(Hindi.nothingWaiting)
                // Big targets for fingers new to smartphones: nothing pressable under 56 dp.
                onNodeWithText(Hindi.findWorker).assertHeightIsAtLeast(56.dp)
                onNodeWithText(Hindi.findWorker).assertExistsAndClick()

                // The keypad: each digit is a big key.
                waitFor(Hindi.samagraIdLabel)
                onAllNodesWithText("5").filterToOne(hasClickAction()).assertHeightIsAtLeast(64.dp)
                worker.memberId.forEach { d ->
                    onAllNodesWithText(d.toString()).filterToOne(hasClickAction()).performClick()
                }
                waitFor(worker.memberId)
                onNodeWithText(Hindi.find).assertExistsAndClick()

                // The whole family, with a register button for everyone not yet registered.
                waitFor(worker.nameHi)
                waitFor(Hindi.familyTitle(worker.familyId))
                val buttons = onAllNodesWithText(Hindi.registerThisWorker).fetchSemanticsNodes().size
                assertTrue(buttons >= 1, "the family shows a register button")
                onAllNodesWithText(Hindi.registerThisWorker)[0].performClick()

                // The register form opens with the core's eligibility verdict.
                waitFor(Hindi.occupationLabel)
                waitUntil(timeoutMillis = 10_000) {
                    listOf(Hindi.eligible, Hindi.notEligible).any {
                        onAllNodesWithText(it).fetchSemanticsNodes().isNotEmpty()
                    }
                }
                onNodeWithText(Hindi.review).assertExists()

                // Switching the language redraws the same form in English.
                onNodeWithContentDescription(Hindi.chooseLanguage).assertExistsAndClick()
                waitFor(English.occupationLabel)
                onNodeWithText(English.review).assertExists()
                onNodeWithText(English.registerTitle).assertExists()
            }
            assertTrue(phone.store.registrations("draft").size == 1, "opening the form saved a draft")
            val reread = org.panjiyan.ui.state.AppSettings(java.io.File(phone.dir, "settings.properties"))
            assertTrue(reread.language == "en", "the language choice is kept for the next start")
        } finally {
            phone.close()
        }
    }
}

private fun androidx.compose.ui.test.SemanticsNodeInteraction.assertExistsAndClick() {
    assertExists()
    performClick()
}
