package org.panjiyan.ui.state

import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import org.panjiyan.ui.text.parseInstant
import uniffi.panjiyan_ffi.CampDay
import uniffi.panjiyan_ffi.LocalUnit
import uniffi.panjiyan_ffi.PanjiyanException

data class HomeUi(
    /** The villages and wards on the phone: today's camp. */
    val units: List<LocalUnit> = emptyList(),
    /** Today's camps on the phone's calendar (sent by the district with each sync). */
    val camps: List<CampDay> = emptyList(),
    /** The camp registrations are made at now; null until the operator starts one. */
    val currentCamp: CampDay? = null,
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
            val camps = withContext(app.io) { app.store.camps() }.filter { it.today }
            val current = camps.find { it.id == app.settings.todaysCampId }
            state.update {
                HomeUi(
                    units = units,
                    camps = camps,
                    currentCamp = current,
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

    /** Starts camp [campId] of today's calendar: registrations from now on carry its id. */
    suspend fun startCamp(campId: String) {
        app.settings.campId = campId
        refresh()
    }

    /** Starts a camp nobody planned in village or ward [unitCode], for the rest of today. */
    suspend fun startUnplannedCamp(unitCode: String) {
        try {
            val camp = withContext(app.io) { app.store.startUnplannedCamp(unitCode, "") }
            app.settings.campId = camp.id
            refresh()
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }
}
