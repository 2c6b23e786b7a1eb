// The camp an operator started is today's camp only on the day it was started (in India):
// the next morning the app asks for today's camp again instead of putting yesterday's id on
// today's registrations.

import java.nio.file.Files
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.panjiyan.ui.state.AppSettings

class AppSettingsTest {
    @Test
    fun yesterdaysCampIsNotTodays() {
        val file = Files.createTempDirectory("panjiyan-settings").resolve("app.properties").toFile()
        file.writeText("camp=4011-20261201-1\ncampDay=2026-12-01\n")
        val settings = AppSettings(file)
        assertEquals("4011-20261201-1", settings.campId)
        assertNull(settings.todaysCampId, "a camp started on another day")
        settings.campId = "4011-20261202-1"
        assertEquals("4011-20261202-1", settings.todaysCampId)
        assertEquals("4011-20261202-1", AppSettings(file).todaysCampId, "kept across a restart")
    }
}
