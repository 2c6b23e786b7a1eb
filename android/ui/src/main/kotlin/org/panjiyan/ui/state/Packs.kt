package org.panjiyan.ui.state

import java.time.Instant
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.withContext
import org.panjiyan.ui.text.parseInstant
import uniffi.panjiyan_ffi.PanjiyanException
import uniffi.panjiyan_ffi.ProgressListener

/** One village or ward: what the server offers and what the phone holds. */
data class PackLine(
    val code: String,
    val nameHi: String,
    val nameEn: String,
    /** Null when the server could not be asked (no network). */
    val packBytes: Long?,
    val serverVersion: Long?,
    val localVersion: Long?,
    val members: Long?,
    val importedAt: Instant?,
    val needsDownload: Boolean,
    /** A download of it was stopped or broke: it goes on from where it stopped. */
    val partial: Boolean = false,
)

data class PacksUi(
    val lines: List<PackLine> = emptyList(),
    /** The server's list could not be fetched; the lines are what the phone holds. */
    val offline: Boolean = false,
    val loading: Boolean = false,
    val downloading: String? = null,
    val done: Long = 0,
    val total: Long = 0,
    val error: Trouble? = null,
) {
    val missing: Int get() = lines.count { it.needsDownload }
    val ready: Boolean get() = lines.isNotEmpty() && missing == 0
    val people: Long get() = lines.sumOf { it.members ?: 0 }
}

/** Camp packs: sizes before download, download with progress, stop and resume, readiness. */
class PacksModel(private val app: AppContext) {
    private val state = MutableStateFlow(PacksUi())
    val ui: StateFlow<PacksUi> = state
    private val stopRequested = AtomicBoolean(false)
    private val partial = mutableSetOf<String>()

    suspend fun refresh() {
        state.update { it.copy(loading = true, error = null) }
        val local = try {
            withContext(app.io) { app.store.localUnits() }
        } catch (e: PanjiyanException) {
            state.update { it.copy(loading = false, error = Trouble.of(e)) }
            return
        }
        val byCode = local.associateBy { it.code }
        var offline: Trouble? = null
        val lines = try {
            withContext(app.io) { app.store.units() }.map { u ->
                val held = byCode[u.code]
                PackLine(
                    code = u.code, nameHi = u.nameHi, nameEn = u.nameEn,
                    packBytes = u.packBytes?.toLong(), serverVersion = u.serverVersion?.toLong(),
                    localVersion = u.localVersion?.toLong(), members = held?.members?.toLong(),
                    importedAt = parseInstant(held?.importedAt), needsDownload = u.needsDownload,
                    partial = u.code in partial,
                )
            }
        } catch (e: PanjiyanException) {
            offline = Trouble.of(e)
            local.map { u ->
                PackLine(
                    code = u.code, nameHi = u.nameHi, nameEn = u.nameEn, packBytes = null,
                    serverVersion = null, localVersion = u.version.toLong(), members = u.members.toLong(),
                    importedAt = parseInstant(u.importedAt), needsDownload = false,
                )
            }
        }
        state.update {
            it.copy(
                lines = lines, loading = false, offline = offline != null,
                error = if (lines.isEmpty()) offline else null,
            )
        }
    }

    /** Downloads one pack, reporting progress; true when it is on the phone, verified. */
    suspend fun download(code: String): Boolean {
        stopRequested.set(false)
        state.update { it.copy(downloading = code, done = 0, total = 0, error = null) }
        val ok = try {
            withContext(app.io) {
                app.store.download(code, object : ProgressListener {
                    override fun onProgress(done: ULong, total: ULong): Boolean {
                        state.update { it.copy(done = done.toLong(), total = total.toLong()) }
                        return !stopRequested.get()
                    }
                })
            }
            partial.remove(code)
            true
        } catch (e: PanjiyanException) {
            partial.add(code)
            state.update { it.copy(error = Trouble.of(e)) }
            false
        } finally {
            state.update { it.copy(downloading = null) }
        }
        refresh()
        return ok
    }

    /** Every pack that is missing or out of date, one after the other. */
    suspend fun downloadAllNeeded() {
        for (line in state.value.lines.filter { it.needsDownload }) {
            if (!download(line.code) || stopRequested.get()) return
        }
    }

    /** Stops the running download; the part already fetched is kept for the next try. */
    fun stop() = stopRequested.set(true)
}
