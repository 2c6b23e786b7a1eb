package org.panjiyan.ui.screens

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import java.time.Instant
import org.panjiyan.ui.components.Badge
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.SecondButton
import org.panjiyan.ui.components.SectionTitle
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.WarningButton
import org.panjiyan.ui.components.toneOf
import org.panjiyan.ui.state.RegistrationLine
import org.panjiyan.ui.state.RegistrationsUi
import org.panjiyan.ui.state.SyncUi
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.text.ago
import org.panjiyan.ui.text.dateTime
import org.panjiyan.ui.text.indianNumber

/** Every registration's state; refused ones with the server's reasons and a way to fix them. */
@Composable
fun OutboxScreen(
    ui: RegistrationsUi,
    sync: SyncUi,
    strings: Strings,
    now: Instant,
    onBack: () -> Unit,
    onLanguage: (String) -> Unit,
    onSyncNow: () -> Unit,
    onContinue: (String) -> Unit,
    onFix: (String) -> Unit,
) {
    Screen(strings.outboxTitle, strings, onBack, onLanguage, busy = sync.running) {
        Note(if (sync.refused > 0) Tone.Bad else if (sync.waiting) Tone.Waiting else Tone.Good) {
            NoteText(strings.waitingCount(sync.queued), strong = true)
            if (sync.refused > 0) NoteText(strings.refusedCount(sync.refused), strong = true)
            sync.oldestQueuedAt?.let { NoteText(strings.oldestUnsynced(strings.ago(it, now))) }
            NoteText(sync.lastSyncAt?.let { strings.lastSync(strings.dateTime(it)) } ?: strings.neverSynced)
            sync.report?.let { r ->
                NoteText(
                    strings.syncReport(
                        indianNumber(r.sent), indianNumber(r.acknowledged), indianNumber(r.refused),
                        indianNumber(r.statusesReceived),
                    ),
                )
            }
        }
        if (sync.running && sync.total > 0) {
            LinearProgressIndicator(progress = { sync.sent.toFloat() / sync.total }, modifier = Modifier.fillMaxWidth())
        }
        sync.error?.let { ErrorText(it.text(strings)) }
        ui.error?.let { ErrorText(it.text(strings)) }
        if (sync.waiting) WarningButton(if (sync.running) strings.syncing else strings.syncNow, onSyncNow)
        else BigButton(if (sync.running) strings.syncing else strings.syncNow, onSyncNow)

        if (ui.lines.isEmpty()) NoteText(strings.outboxEmpty)
        if (ui.refused.isNotEmpty()) {
            SectionTitle(strings.refusedTitle)
            ui.refused.forEach { line ->
                Line(line, strings, now) {
                    line.refusal.forEach { NoteText("• " + strings.pick(it.hi, it.en)) }
                    WarningButton(strings.fixAndResend, { onFix(line.id) })
                }
            }
        }
        if (ui.drafts.isNotEmpty()) {
            SectionTitle(strings.draftsTitle)
            ui.drafts.forEach { line -> Line(line, strings, now) { SecondButton(strings.continueDraft, { onContinue(line.id) }) } }
        }
        if (ui.waiting.isNotEmpty()) {
            SectionTitle(strings.waitingTitle)
            ui.waiting.forEach { line -> Line(line, strings, now) {} }
        }
        if (ui.sent.isNotEmpty()) {
            SectionTitle(strings.sentTitle)
            ui.sent.forEach { line -> Line(line, strings, now) {} }
        }
    }
}

@Composable
private fun Line(line: RegistrationLine, strings: Strings, now: Instant, extra: @Composable () -> Unit) {
    Note(Tone.Neutral) {
        NoteText(strings.pick(line.nameHi, line.nameEn), strong = true)
        NoteText(strings.samagraMemberId(line.memberId))
        line.createdAt?.let { NoteText(strings.savedOn(strings.ago(it, now))) }
        Badge(strings.state(line.state), toneOf(line.state))
        extra()
    }
}
