package org.panjiyan.ui.state

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.panjiyan.ui.text.parseInstant
import uniffi.panjiyan_ffi.PanjiyanException
import uniffi.panjiyan_ffi.ProgressListener
import uniffi.panjiyan_ffi.SyncReport

data class SyncUi(
    val queued: Long = 0,
    val refused: Long = 0,
    val oldestQueuedAt: Instant? = null,
    val lastSyncAt: Instant? = null,
    val running: Boolean = false,
    val sent: Long = 0,
    val total: Long = 0,
    val report: SyncReport? = null,
    val error: Trouble? = null,
) {
    /** Data waiting on the phone: what the home screen must not let anyone overlook. */
    val waiting: Boolean get() = queued > 0 || refused > 0

    /** The phone's clock disagreed with the server's by more than five minutes at the last sync. */
    val clockWrong: Boolean get() = report?.let { kotlin.math.abs(it.clockSkewSeconds) > 300 } ?: false
}

/** The outbox's counts and "send now"; the same sync the background worker runs. */
class SyncModel(private val app: AppContext) {
    private val state = MutableStateFlow(SyncUi(lastSyncAt = app.settings.lastSyncAt))
    val ui: StateFlow<SyncUi> = state
    private val one = Mutex()

    suspend fun refresh() {
        try {
            val s = withContext(app.io) { app.store.outbox() }
            state.update {
                it.copy(
                    queued = s.queued.toLong(),
                    refused = s.refused.toLong(),
                    oldestQueuedAt = parseInstant(s.oldestQueuedAt),
                    lastSyncAt = app.settings.lastSyncAt,
                )
            }
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
        }
    }

    /**
     * Pushes the outbox and pulls status now; true when the server answered. A sync asked for
     * while another runs (the background worker and "send now") waits for it, then runs.
     */
    suspend fun syncNow(): Boolean = one.withLock {
        state.update { it.copy(running = true, error = null, sent = 0, total = 0) }
        val ok = try {
            val report = withContext(app.io) {
                app.store.sync(object : ProgressListener {
                    override fun onProgress(done: ULong, total: ULong): Boolean {
                        state.update { it.copy(sent = done.toLong(), total = total.toLong()) }
                        return true
                    }
                })
            }
            app.settings.lastSyncAt = Instant.now()
            state.update { it.copy(report = report) }
            true
        } catch (e: PanjiyanException) {
            state.update { it.copy(error = Trouble.of(e)) }
            false
        } finally {
            state.update { it.copy(running = false) }
        }
        refresh()
        ok
    }
}
