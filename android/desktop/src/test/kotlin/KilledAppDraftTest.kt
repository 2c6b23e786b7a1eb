// A phone killed in the middle of a form (SIGKILL of the JVM, no shutdown of anything) keeps
// the draft: after reopening, the outbox lists it and the register screen comes back with
// everything that was typed.

import java.io.File
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.panjiyan.ui.state.AppModel
import org.panjiyan.ui.text.Hindi

class KilledAppDraftTest {
    @Test
    fun aDraftTypedBeforeTheAppWasKilledComesBackWithEveryField(): Unit = runBlocking {
        // Prepare the phone: enrolled, one village downloaded, then closed.
        val first = Phone(fill = 9)
        val model = AppModel(first.app)
        model.signIn.user("operator")
        model.signIn.password(PASSWORD)
        assertTrue(model.signIn.signIn())
        model.packs.refresh()
        val village = model.packs.ui.value.lines[1] // each test class its own village: the tests share one server
        assertTrue(model.packs.download(village.code))
        val worker = adults(first.store, village.code, 1).single()
        first.close()

        // Another JVM types part of the form and is killed without warning.
        val javaBin = System.getProperty("java.home") + "/bin/java"
        val typer = ProcessBuilder(
            javaBin, "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=" + System.getProperty("jna.library.path"),
            "DraftTyper", first.dir.path, worker.memberId,
        ).redirectError(File(first.dir, "typer.err")).start()
        val said = typer.inputStream.bufferedReader().readLine() ?: ""
        typer.destroyForcibly()
        assertTrue(typer.waitFor(30, TimeUnit.SECONDS))
        assertTrue(said.startsWith("typed "), "the typer got as far as typing: " + File(first.dir, "typer.err").readText().take(2000))
        val draftId = said.removePrefix("typed ")
        println("killed the app (exit ${typer.exitValue()}) with a draft open")

        // Reopen: the draft is listed, and resuming it brings back every field.
        val again = Phone(first.dir, fill = 9)
        try {
            val reopened = AppModel(again.app)
            reopened.registrations.refresh()
            val drafts = reopened.registrations.ui.value.drafts
            assertEquals(listOf(draftId), drafts.map { it.id })
            assertEquals(worker.nameHi, drafts.single().nameHi)
            reopened.home.refresh()
            assertEquals(1, reopened.home.ui.value.drafts)

            reopened.register.resume(draftId)
            val ui = reopened.register.ui.value
            assertEquals(worker.memberId, ui.member!!.memberId)
            assertEquals("tailoring", ui.fields.occupationCode)
            assertEquals("सिलाई", ui.chosenOccupation!!.nameHi)
            assertEquals("9876501234", ui.fields.mobile)
            assertEquals("35", ui.fields.landAres)
            render("flow_draft_after_kill_hi", 1700) { Register(ui, Hindi) }

            // It is finished and saved like any other.
            reopened.register.edit("facts") { it.copy(irrigatedAres = "0") }
            reopened.register.edit("consent") { it.copy(consent = true) }
            reopened.register.review()
            assertTrue(reopened.register.finalise())
            assertEquals(1UL, again.store.outbox().queued)
        } finally {
            again.close()
        }
    }
}
