package org.panjiyan.ui.state

import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.util.Properties

/** Camps are days in India, whatever zone the phone is set to. */
private val INDIA: ZoneId = ZoneId.of("Asia/Kolkata")

/**
 * The app's few settings that are not personal data: language, server, user name, the last
 * sync. A properties file next to the store (plain file I/O, the same on Android and desktop);
 * written whole to a temporary file and renamed, so a killed app never leaves half a file.
 */
class AppSettings(private val file: File) {
    private val props = Properties().apply {
        if (file.exists()) file.inputStream().use { load(it) }
    }

    var language: String
        get() = props.getProperty("language", "hi")
        set(v) = put("language", v)

    var serverUrl: String?
        get() = props.getProperty("server")
        set(v) = put("server", v)

    var userName: String?
        get() = props.getProperty("user")
        set(v) = put("user", v)

    /** The jurisdiction the server enrolled this phone for; null until enrolled. */
    var jurisdiction: String?
        get() = props.getProperty("jurisdiction")
        set(v) = put("jurisdiction", v)

    /** The camp the operator started on this phone (from its calendar, or unplanned). */
    var campId: String?
        get() = props.getProperty("camp")
        set(v) {
            put("camp", v)
            put("campDay", v?.let { LocalDate.now(INDIA).toString() })
        }

    /** The camp started today (India's date), if any: yesterday's camp is not today's. */
    val todaysCampId: String?
        get() = campId?.takeIf { props.getProperty("campDay") == LocalDate.now(INDIA).toString() }

    var lastSyncAt: Instant?
        get() = props.getProperty("lastSyncAt")?.let { runCatching { Instant.parse(it) }.getOrNull() }
        set(v) = put("lastSyncAt", v?.toString())

    val enrolled: Boolean get() = jurisdiction != null

    @Synchronized
    private fun put(key: String, value: String?) {
        if (value == null) props.remove(key) else props.setProperty(key, value)
        file.parentFile?.mkdirs()
        val tmp = File(file.path + ".tmp")
        tmp.outputStream().use { out ->
            props.store(out, "Panjiyan app settings")
            out.fd.sync()
        }
        if (!tmp.renameTo(file)) {
            file.delete()
            tmp.renameTo(file)
        }
    }
}
