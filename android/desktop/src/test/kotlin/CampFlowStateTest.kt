// The app's state holders driven through a camp against the real core library and the real
// server started by ./run: sign in, download a pack, find by Samagra ID, register with the
// core's inline checks, sync, the officer decides, the status comes back with the number.
// Screens are drawn from the real states on the way (target/screens/flow_*.png).

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.panjiyan.ui.screens.FindScreen
import org.panjiyan.ui.screens.HomeScreen
import org.panjiyan.ui.screens.PacksScreen
import org.panjiyan.ui.screens.StatusScreen
import org.panjiyan.ui.state.AppModel
import org.panjiyan.ui.state.Route
import org.panjiyan.ui.state.Step
import org.panjiyan.ui.text.English
import org.panjiyan.ui.text.Hindi
import java.time.Instant

class CampFlowStateTest {
    @Test
    fun aWorkerIsFoundRegisteredSyncedAndApprovedThroughTheStateHolders(): Unit = runBlocking {
        val phone = Phone()
        val model = AppModel(phone.app)
        try {
            // A new phone starts at sign-in, in Hindi; a wrong password is said in plain words.
            assertEquals(listOf(Route.SignIn), model.route.value)
            assertEquals("hi", model.strings.value.code)
            model.signIn.user("operator")
            model.signIn.password("not-the-password")
            assertFalse(model.signIn.signIn())
            assertEquals(Hindi.wrongPassword, model.signIn.ui.value.error!!.text(Hindi))
            model.signIn.password(PASSWORD)
            assertTrue(model.signIn.signIn())
            assertTrue(phone.settings.enrolled)
            assertEquals("", model.signIn.ui.value.password, "the password is not kept")

            // Camp packs: sizes before download; one village downloaded and current.
            model.packs.refresh()
            val before = model.packs.ui.value
            assertFalse(before.offline)
            assertTrue(before.lines.isNotEmpty() && before.lines.all { it.packBytes!! > 0 && it.localVersion == null })
            assertFalse(before.ready)
            val village = before.lines.first()
            assertTrue(model.packs.download(village.code))
            val after = model.packs.ui.value
            val held = after.lines.first { it.code == village.code }
            assertEquals(held.serverVersion, held.localVersion)
            assertFalse(held.needsDownload)
            assertTrue(held.members!! > 100)
            assertEquals(before.missing - 1, after.missing)
            render("flow_packs_hi", 1400) { PacksScreen(after, Hindi, Instant.now(), {}, {}, {}, {}, {}) }

            // Find by Samagra ID typed on the keypad: the whole family at once.
            val (worker, other) = adults(phone.store, village.code, 2)
            model.find.clear()
            worker.memberId.forEach(model.find::digit)
            model.find.findById()
            val family = model.find.ui.value.family!!
            assertTrue(family.members.any { it.memberId == worker.memberId })
            assertNull(family.members.first { it.memberId == worker.memberId }.deviceRegistrationState)
            render("flow_find_hi", 1600) { FindScreen(model.find.ui.value, Hindi, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) }

            // No camp is planned for this village today: the operator starts one from home.
            model.home.refresh()
            assertNull(model.home.ui.value.currentCamp)
            model.home.startUnplannedCamp(village.code)
            val camp = model.home.ui.value.currentCamp!!
            assertTrue(camp.unplanned && camp.today && camp.units == listOf(village.code))

            // Register: a wrong mobile number is named at once, in the core's words.
            model.register.start(worker.memberId)
            val draftId = model.register.ui.value.draftId!!
            model.register.edit("mobile") { it.copy(mobile = "12345") }
            val mobileProblems = model.register.ui.value.problemsOf("mobile")
            assertTrue(mobileProblems.single().hi.contains("मोबाइल"), "the mobile problem is told in Hindi")
            model.register.review()
            assertEquals(Step.Edit, model.register.ui.value.step, "a form with problems does not go to review")
            model.register.edit("mobile") { it.copy(mobile = "+91 98765 43210") }
            assertTrue(model.register.ui.value.problemsOf("mobile").isEmpty())
            model.register.occupationQuery("भवन")
            val construction = model.register.ui.value.occupations.first { it.code == "construction" }
            model.register.chooseOccupation(construction)
            model.register.edit("facts") { it.copy(landAres = "0", irrigatedAres = "0") }
            model.register.edit("consent") { it.copy(consent = true) }
            // A returned migrant: the state worked in is asked for, and named when missing.
            model.register.edit("migrant") { it.copy(returnedMigrant = true) }
            assertTrue(model.register.ui.value.problemsOf("migrant").any { it.key == "form.migrant_state_required" })
            model.register.edit("migrant") {
                it.copy(
                    migrantState = "Maharashtra", migrantDistrict = "Pune", migrantMonths = "30", migrantReturnedOn = "2026-03-15",
                    migrantExperience = "6", migrantCertificate = "ITI mason", willingToWork = "district", jobConsent = true,
                )
            }
            assertTrue(model.register.ui.value.problemsOf("migrant").isEmpty())
            assertTrue(model.register.ui.value.eligibility!!.eligible)
            assertTrue(model.register.ui.value.eligibility!!.doubtful.isEmpty(), "land declared: nothing left to confirm")
            assertTrue(model.register.ui.value.problems.isEmpty(), "nothing left to fix")
            model.register.review()
            assertEquals(Step.Review, model.register.ui.value.step)
            // Back from the review goes to the form, not away from the registration.
            model.reset(Route.Home)
            model.go(Route.Register)
            assertTrue(model.back())
            assertEquals(Route.Register, model.route.value.last())
            assertEquals(Step.Edit, model.register.ui.value.step)
            model.register.review()
            assertTrue(model.register.finalise())
            assertEquals(Step.Saved, model.register.ui.value.step)
            // What the phone keeps: the camp it was made at, the migrant's details.
            val kept = phone.store.registrationForm(draftId)!!
            assertEquals(camp.id, kept.campId)
            assertEquals("Pune", kept.migrant!!.districtOrCity)
            assertEquals(30.toUShort(), kept.migrant!!.monthsAway)
            // Rozgar Setu: where the worker will work and their consent to job offers, as asked.
            assertEquals(6.toUByte(), kept.migrant!!.experienceYears)
            assertEquals("ITI mason", kept.migrant!!.certificate)
            assertEquals("district", kept.migrant!!.willingToWork)
            assertTrue(kept.migrant!!.jobConsent)
            assertEquals(1, phone.syncRequests, "saving asks the platform for a background sync")

            // The family now marks the worker as registered on this phone; home says data waits.
            model.find.refresh()
            assertEquals("queued", model.find.ui.value.family!!.members.first { it.memberId == worker.memberId }.deviceRegistrationState)
            model.refresh(Route.Home)
            assertEquals(1, model.home.ui.value.registeredToday)
            assertEquals(1L, model.sync.ui.value.queued)
            assertTrue(model.sync.ui.value.waiting)
            assertNotNull(model.sync.ui.value.oldestQueuedAt)
            render("flow_home_waiting_hi") {
                HomeScreen(model.home.ui.value, model.sync.ui.value, Hindi, Instant.now(), {}, {}, {}, {}, {}, {})
            }

            // A second worker, then sync: both acknowledged, nothing waits.
            model.register.start(other.memberId)
            model.register.chooseOccupation(construction)
            model.register.edit("facts") { it.copy(landAres = "0", irrigatedAres = "0") }
            model.register.edit("consent") { it.copy(consent = true) }
            model.register.review()
            assertTrue(model.register.finalise())
            assertTrue(model.sync.syncNow())
            assertEquals(2UL, model.sync.ui.value.report!!.acknowledged)
            assertFalse(model.sync.ui.value.waiting)
            assertNotNull(phone.settings.lastSyncAt)

            // The officer approves one and rejects the other; the next sync brings both back.
            decide(draftId, """{"decision":"approve"}""")
            val otherId = phone.store.registrations(null).first { it.memberId == other.memberId }.id
            decide(otherId, """{"decision":"reject","reason":"details_mismatch","note":"paper form not received"}""")
            assertTrue(model.sync.syncNow())
            model.registrations.refresh()
            val results = model.registrations.ui.value.results
            val approved = results.first { it.memberId == worker.memberId }
            assertEquals("approved", approved.state)
            assertTrue(approved.registrationNumber!!.isNotBlank())
            assertEquals(worker.nameHi, approved.nameHi)
            val rejected = results.first { it.memberId == other.memberId }
            assertEquals("rejected", rejected.state)
            // The worker is told the reason in their words; the officer's note stays on the server.
            assertEquals("reject.details_mismatch", rejected.reason?.key)
            assertEquals("विवरण समग्र अभिलेख से मेल नहीं खाते", rejected.reason?.hi)
            model.registrations.filter(worker.memberId)
            assertEquals(listOf(approved), model.registrations.ui.value.results)
            model.registrations.filter("")
            render("flow_status_en", 1000) { StatusScreen(model.registrations.ui.value, English, {}, {}, {}) }
            render("flow_status_hi", 1000) { StatusScreen(model.registrations.ui.value, Hindi, {}, {}, {}) }
        } finally {
            phone.close()
        }
    }

    @Test
    fun aChildIsToldIneligibleWithTheRuleNamedAndCannotBeSaved(): Unit = runBlocking {
        val phone = Phone(fill = 8)
        val model = AppModel(phone.app)
        try {
            model.signIn.user("operator")
            model.signIn.password(PASSWORD)
            assertTrue(model.signIn.signIn())
            model.packs.refresh()
            val village = model.packs.ui.value.lines.first()
            assertTrue(model.packs.download(village.code))
            val kid = child(phone.store, village.code)
            model.register.start(kid.memberId)
            val e = model.register.ui.value.eligibility!!
            assertFalse(e.eligible)
            assertTrue(e.failed.any { it.hi.contains("आयु") && it.en.contains("age", ignoreCase = true) })
            render("flow_register_child_hi") { Register(model.register.ui.value, Hindi) }
            model.register.review()
            assertEquals(Step.Edit, model.register.ui.value.step)
            assertTrue(model.register.ui.value.showAllProblems)
            assertEquals(0UL, phone.store.outbox().queued, "nothing was queued")
        } finally {
            phone.close()
        }
    }
}
