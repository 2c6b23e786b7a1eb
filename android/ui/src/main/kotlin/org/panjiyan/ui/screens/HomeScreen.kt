package org.panjiyan.ui.screens

import androidx.compose.runtime.Composable
import java.time.Instant
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.SecondButton
import org.panjiyan.ui.components.SectionTitle
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.WarningButton
import org.panjiyan.ui.state.HomeUi
import org.panjiyan.ui.state.SyncUi
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.text.ago
import org.panjiyan.ui.text.dateTime

/** Today's camp, today's count, and whether data is waiting to go: the first thing seen. */
@Composable
fun HomeScreen(
    home: HomeUi,
    sync: SyncUi,
    strings: Strings,
    now: Instant,
    onLanguage: (String) -> Unit,
    onFind: () -> Unit,
    onPacks: () -> Unit,
    onOutbox: () -> Unit,
    onStatus: () -> Unit,
    onSyncNow: () -> Unit,
    onStartCamp: (campId: String) -> Unit = {},
    onStartUnplannedCamp: (unitCode: String) -> Unit = {},
) {
    Screen(strings.appName, strings, onBack = null, onLanguage = onLanguage, busy = sync.running) {
        SectionTitle(strings.todaysCamp)
        if (home.units.isEmpty()) {
            Note(Tone.Waiting) { NoteText(strings.noPackYet) }
        } else {
            Note(Tone.Neutral) {
                home.units.forEach { u -> NoteText(strings.pick(u.nameHi, u.nameEn), strong = true) }
                NoteText(strings.registeredToday(home.registeredToday.toLong()))
            }
            // The day's camps from the phone's calendar; the started one is what registrations carry.
            home.camps.forEach { c ->
                val current = c.id == home.currentCamp?.id
                Note(if (current) Tone.Good else Tone.Neutral) {
                    NoteText(strings.campAt(c.venue, c.starts, c.ends), strong = current)
                    if (current) NoteText(strings.campStarted) else SecondButton(strings.startCamp, { onStartCamp(c.id) })
                }
            }
            if (home.currentCamp == null) {
                if (home.camps.isEmpty()) Note(Tone.Waiting) { NoteText(strings.noCampToday) }
                home.units.forEach { u ->
                    SecondButton(strings.startUnplannedCamp(strings.pick(u.nameHi, u.nameEn)), { onStartUnplannedCamp(u.code) })
                }
            }
        }

        Note(if (sync.refused > 0) Tone.Bad else if (sync.waiting) Tone.Waiting else Tone.Good) {
            if (sync.queued > 0) NoteText(strings.dataWaiting(sync.queued), strong = true)
            if (sync.refused > 0) NoteText(strings.refusedWaiting(sync.refused), strong = true)
            if (!sync.waiting) NoteText(strings.nothingWaiting, strong = true)
            sync.oldestQueuedAt?.let { NoteText(strings.oldestUnsynced(strings.ago(it, now))) }
            NoteText(sync.lastSyncAt?.let { strings.lastSync(strings.dateTime(it)) } ?: strings.neverSynced)
        }
        sync.error?.let { ErrorText(it.text(strings)) }
        if (sync.clockWrong) ErrorText(strings.phoneClockWrong)
        if (sync.waiting) {
            WarningButton(if (sync.running) strings.syncing else strings.syncNow, onSyncNow)
        }
        if (home.drafts > 0) {
            Note(Tone.Waiting) {
                NoteText(strings.draftsWaiting(home.drafts.toLong()))
                SecondButton(strings.continueDraft, onOutbox)
            }
        }

        BigButton(strings.findWorker, onFind)
        SecondButton(strings.campPacks, onPacks)
        SecondButton(strings.outboxAndSync, onOutbox)
        SecondButton(strings.statusTitle, onStatus)
        if (!sync.waiting) SecondButton(if (sync.running) strings.syncing else strings.syncNow, onSyncNow)
        home.error?.let { ErrorText(it.text(strings)) }
    }
}
