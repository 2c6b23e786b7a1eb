// The whole camp flow from Kotlin, through the generated uniffi bindings and the real Rust
// library, against a real server started by ./run: enrol, download, find, register (and a
// refused one), sync, approve through the server API, sync again, see the number.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.panjiyan_ffi.CampStore
import uniffi.panjiyan_ffi.Facts
import uniffi.panjiyan_ffi.Form
import uniffi.panjiyan_ffi.PanjiyanException
import uniffi.panjiyan_ffi.ProgressListener

private val server: String = System.getProperty("panjiyan.server")
private const val PASSWORD = "jvm-test-password"

private fun key(fill: Int) = ByteArray(32) { fill.toByte() }

private fun freshStore(fill: Int = 7): CampStore {
    val dir = Files.createTempDirectory("panjiyan-jvm")
    return CampStore.open(dir.resolve("camp.db").toString(), key(fill))
}

private object Quiet : ProgressListener {
    override fun onProgress(done: ULong, total: ULong) = true
}

private fun form(memberId: String) = Form(
    memberId = memberId,
    occupationCode = "construction",
    mobile = "+91 98765 43210",
    aadhaar = null,
    bankIfsc = null,
    facts = Facts(false, false, false, 0u, 0u),
    channel = "camp",
    campId = null,
    operatorId = "operator",
    consent = true,
    language = "hi",
)

/** Signs in to the server's API as the officer and approves a registration. */
private fun approve(id: String) {
    val http = HttpClient.newHttpClient()
    fun post(path: String, body: String, token: String? = null): String {
        val request = HttpRequest.newBuilder(URI.create("$server$path"))
            .header("content-type", "application/json")
            .apply { if (token != null) header("authorization", "Bearer $token") }
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        assertEquals(200, response.statusCode(), response.body())
        return response.body()
    }
    val login = post("/api/v1/login", """{"username":"officer","password":"$PASSWORD"}""")
    val token = Regex("\"token\":\"([^\"]+)\"").find(login)!!.groupValues[1]
    post("/api/v1/registrations/$id/decision", """{"decision":"approve"}""", token)
}

class CampFlowTest {
    @Test
    fun aCampRunsFromEnrolmentToAnApprovedRegistrationNumber() {
        freshStore().use { store ->
            val enrolment = store.enrol(server, "operator", PASSWORD)
            assertEquals(store.deviceId(), enrolment.deviceId)

            val units = store.units()
            assertTrue(units.isNotEmpty())
            val unit = units.first { it.level == "village" }
            assertTrue(unit.needsDownload && unit.packBytes!! > 0u)
            var lastDone = 0UL
            val local = store.download(unit.code, object : ProgressListener {
                override fun onProgress(done: ULong, total: ULong): Boolean {
                    lastDone = done
                    return true
                }
            })!!
            assertEquals(unit.packBytes, lastDone, "progress reached the whole pack")
            assertTrue(local.members > 100u)
            assertTrue(store.units().first { it.code == unit.code }.localVersion != null)

            // Find an adult by name and then by Samagra ID; the family comes with them.
            val adults = (0 until 400).asSequence()
                .flatMap { store.search(listOf("Ram", "Sunita", "Laxmi", "Kamla", "Suresh", "Gita")[it % 6], unit.code, 100u).asSequence() }
                .map { it.member }
                .filter { it.age in 20..55 && it.deviceRegistrationId == null }
                .distinctBy { it.memberId }
                .take(2)
                .toList()
            assertEquals(2, adults.size)
            val worker = store.member(adults[0].memberId)!!
            assertEquals(adults[0].nameEn, worker.nameEn)
            val family = store.family(worker.memberId)!!
            assertTrue(family.members.any { it.memberId == worker.memberId })
            assertEquals(family.familyId, store.family(family.familyId)!!.familyId)
            assertEquals("head", family.members.first().relation)

            // A child is refused, with the age rule named in Hindi and English.
            val child = store.search("Ram", unit.code, 200u).map { it.member }.first { it.age < 16 }
            val draftForChild = store.createDraft(form(child.memberId))
            val refused = assertThrows<PanjiyanException.FormProblems> { store.finalise(draftForChild, false) }
            assertEquals("form_problems", refused.code)
            assertEquals("eligibility", refused.problems.first().field)
            assertTrue(refused.problems.first().text.hi.contains("आयु"))
            assertTrue(store.checkEligibility(child.memberId, Facts(false, false, false, 0u, 0u)).failed.isNotEmpty())

            val draft = store.createDraft(form(worker.memberId))
            val saved = store.finalise(draft, false)
            assertEquals(1UL, saved.deviceSeq)
            assertEquals(1UL, store.outbox().queued)

            val first = store.sync(Quiet)
            assertEquals(1UL, first.acknowledged)
            assertEquals(0UL, store.outbox().queued)

            approve(saved.id)
            val second = store.sync(Quiet)
            assertTrue(second.statusesReceived >= 1UL)
            val mine = store.registrations(null).first { it.id == saved.id }
            assertEquals("approved", mine.state)
            assertNotNull(mine.registrationNumber)
            assertTrue(mine.registrationNumber!!.contains("-"))
        }
    }

    @Test
    fun everyErrorCarriesItsCodeAndCanBeCaught() {
        val dir = Files.createTempDirectory("panjiyan-jvm")
        val path = dir.resolve("camp.db").toString()
        CampStore.open(path, key(1)).use { store ->
            assertThrows<PanjiyanException.InvalidInput> { store.member("12345") }.also { assertEquals("invalid_input", it.code) }
            assertThrows<PanjiyanException.NotFound> { store.createDraft(form("123456789")) }.also { assertEquals("member_not_found", it.code) }
            assertThrows<PanjiyanException.Refused> { store.units() }.also { assertEquals("not_enrolled", it.code) }
            assertThrows<PanjiyanException.Sync> {
                CampStore.open(dir.resolve("other.db").toString(), key(3)).use { it.enrol("http://127.0.0.1:9", "x", "y") }
            }
        }
        assertThrows<PanjiyanException.WrongKey> { CampStore.open(path, key(2)) }.also { assertEquals("wrong_key", it.code) }
        assertThrows<PanjiyanException.InvalidInput> { CampStore.open(path, ByteArray(5)) }
        val store = CampStore.open(path, key(1))
        store.closeStore()
        assertThrows<PanjiyanException.Closed> { store.deviceId() }.also { assertEquals("closed", it.code) }
        store.close()
    }

    @Test
    fun lookUpsFromManyThreadsKeepAnsweringDuringADownload() {
        freshStore(9).use { store ->
            store.enrol(server, "operator", PASSWORD)
            val units = store.units().filter { it.level == "village" }
            store.download(units[0].code, Quiet)
            val pool = Executors.newFixedThreadPool(4)
            val lookups = (0 until 4).map {
                pool.submit<Int> {
                    var found = 0
                    repeat(100) { if (store.search("Ram", null, 5u).isNotEmpty()) found++ }
                    found
                }
            }
            store.download(units[1].code, Quiet)
            lookups.forEach { assertEquals(100, it.get(60, TimeUnit.SECONDS)) }
            pool.shutdown()
            assertEquals(2, store.localUnits().size)
            assertTrue(store.occupations("", "en").size == 36)
            assertTrue(store.occupations("सिलाई", "hi").single().code == "tailoring")
        }
    }
}
