package org.panjiyan.ui.state

import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import org.panjiyan.ui.text.parseInstant
import uniffi.panjiyan_ffi.LocalUnit
import uniffi.panjiyan_ffi.PanjiyanException

data class HomeUi(
    /** The villages and wards on the phone: today's camp. */
    val units: List<LocalUnit> = emptyList(),
    val registeredToday: Int = 0,
    val drafts: Int = 0,
    val error: Trouble? = null,
)

/** Today at a glance; the sync part comes from [SyncModel]. */
class HomeModel(private val app: AppContext, private val zone: ZoneId = ZoneId.systemDefault()) {
    private val state = MutableStateFlow(HomeUi())
    val ui: StateFlow<HomeUi> = state

    suspend fun refresh() {
        try {
            val today = LocalDate.now(zone)
            val (units, registrations) = withContext(app.io) {
                app.store.localUnits() to app.store.registrations(null)
            }
            state.update {
                HomeUi(
                    units = units,
                    registeredToday = registrations.count { r ->
                        r.state != "draft" && parseInstant(r.createdAt)?.atZone(zone)?.toLocalDate() == today
                    },
                    drafts = registrations.count { it.state == "draft" },
                )
            }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }
}
