// The test side of a camp: a fresh store like the app opens, the server started by ./run, and
// the officer's decisions through the server's API (as an officer's browser would send them).

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlinx.coroutines.Dispatchers
import org.junit.jupiter.api.Assertions.assertEquals
import org.panjiyan.ui.state.AppContext
import org.panjiyan.ui.state.AppSettings
import uniffi.panjiyan_ffi.CampStore
import uniffi.panjiyan_ffi.Member

val server: String = System.getProperty("panjiyan.server") ?: "http://127.0.0.1:8080"
const val PASSWORD = "jvm-test-password"

/** The 32-byte key; on Android it comes out of the Keystore-wrapped file. */
fun key(fill: Int = 7) = ByteArray(32) { fill.toByte() }

class Phone(val dir: File = Files.createTempDirectory("panjiyan-desktop").toFile(), fill: Int = 7) {
    val dbPath: String = File(dir, "camp.db").path
    val store: CampStore = CampStore.open(dbPath, key(fill))
    val settings = AppSettings(File(dir, "settings.properties"))
    var syncRequests = 0
    val app = AppContext(store, settings, Dispatchers.IO, defaultServer = server, requestSync = { syncRequests++ })

    fun close() {
        store.closeStore()
        store.close()
    }
}

/** Adults of the unit not yet registered anywhere: the workers who come to the camp. */
fun adults(store: CampStore, unit: String, n: Int): List<Member> =
    listOf("Ram", "Sunita", "Laxmi", "Kamla", "Suresh", "Gita", "Mohan", "Rekha").asSequence()
        .flatMap { store.search(it, unit, 100u).asSequence() }
        .map { it.member }
        .filter { it.age in 20..55 && it.deviceRegistrationId == null && it.registeredState == null && !it.birthEstimated }
        .distinctBy { it.memberId }
        .take(n)
        .toList()

fun child(store: CampStore, unit: String): Member =
    listOf("Ram", "Sunita", "Laxmi", "Kamla").asSequence()
        .flatMap { store.search(it, unit, 200u).asSequence() }
        .map { it.member }
        .first { it.age in 5..14 }

/** Signs in to the server's API as the officer and decides on a registration. */
fun decide(id: String, body: String) {
    val http = HttpClient.newHttpClient()
    fun post(path: String, json: String, token: String? = null): String {
        val request = HttpRequest.newBuilder(URI.create("$server$path"))
            .header("content-type", "application/json")
            .apply { if (token != null) header("authorization", "Bearer $token") }
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        assertEquals(200, response.statusCode(), "the server took the request to $path")
        return response.body()
    }
    val login = post("/api/v1/login", """{"username":"officer","password":"$PASSWORD"}""")
    val token = Regex("\"token\":\"([^\"]+)\"").find(login)!!.groupValues[1]
    post("/api/v1/registrations/$id/decision", body, token)
}
