package org.panjiyan.ui.screens

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import java.time.Instant
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.SecondButton
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.WarningButton
import org.panjiyan.ui.state.PackLine
import org.panjiyan.ui.state.PacksUi
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.text.ago
import org.panjiyan.ui.text.indianNumber
import org.panjiyan.ui.text.size

/** The villages and wards of the camp: size before download, progress, stop and resume, readiness. */
@Composable
fun PacksScreen(
    ui: PacksUi,
    strings: Strings,
    now: Instant,
    onBack: () -> Unit,
    onLanguage: (String) -> Unit,
    onDownload: (String) -> Unit,
    onDownloadAll: () -> Unit,
    onStop: () -> Unit,
) {
    Screen(strings.packsTitle, strings, onBack, onLanguage, busy = ui.loading) {
        NoteText(strings.packsIntro)
        when {
            ui.lines.isEmpty() -> Note(Tone.Bad) { NoteText(strings.noPacksOnPhone, strong = true) }
            ui.ready -> Note(Tone.Good) {
                NoteText(strings.readyForCamp(ui.lines.size.toLong(), ui.people), strong = true)
            }
            else -> Note(Tone.Waiting) { NoteText(strings.notReadyForCamp(ui.missing.toLong()), strong = true) }
        }
        if (ui.offline) Note(Tone.Waiting) { NoteText(strings.packsNeedNetwork) }
        ui.error?.let { ErrorText(it.text(strings)) }
        if (ui.missing > 1 && ui.downloading == null) BigButton(strings.downloadAllNeeded, onDownloadAll)
        ui.lines.forEach { line -> PackCard(line, ui, strings, now, onDownload, onStop) }
    }
}

@Composable
private fun PackCard(
    line: PackLine,
    ui: PacksUi,
    strings: Strings,
    now: Instant,
    onDownload: (String) -> Unit,
    onStop: () -> Unit,
) {
    val tone = if (line.needsDownload) Tone.Waiting else if (line.localVersion != null) Tone.Good else Tone.Neutral
    Note(tone) {
        NoteText(strings.pick(line.nameHi, line.nameEn), strong = true)
        line.packBytes?.let { NoteText(strings.packSize(strings.size(it))) }
        if (line.localVersion != null) {
            NoteText(
                strings.packOnPhone(
                    indianNumber(line.localVersion),
                    line.importedAt?.let { strings.ago(it, now) } ?: "",
                ),
            )
            line.members?.let { NoteText(strings.packMembers(it)) }
        } else {
            NoteText(strings.packNotOnPhone)
        }
        when {
            line.serverVersion == null -> {}
            line.needsDownload && line.localVersion != null ->
                NoteText(strings.packUpdateAvailable(indianNumber(line.serverVersion)))
            !line.needsDownload -> NoteText(strings.packUpToDate)
        }
        if (ui.downloading == line.code) {
            LinearProgressIndicator(
                progress = { if (ui.total > 0) ui.done.toFloat() / ui.total else 0f },
                modifier = Modifier.fillMaxWidth(),
            )
            NoteText(strings.downloading(strings.size(ui.done), strings.size(ui.total)))
            WarningButton(strings.stop, onStop)
        } else if (line.needsDownload && ui.downloading == null) {
            val label = when {
                line.partial -> strings.resume
                line.localVersion != null -> strings.update
                else -> strings.download
            }
            SecondButton(label, { onDownload(line.code) })
        }
    }
}
