package org.panjiyan.ui.screens

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import org.panjiyan.ui.components.Badge
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.toneOf
import org.panjiyan.ui.state.RegistrationsUi
import org.panjiyan.ui.text.Strings

/** Approved (with the registration number), rejected (with the reason), duplicate, pending. */
@Composable
fun StatusScreen(
    ui: RegistrationsUi,
    strings: Strings,
    onBack: () -> Unit,
    onLanguage: (String) -> Unit,
    onFilter: (String) -> Unit,
) {
    Screen(strings.statusTitle, strings, onBack, onLanguage) {
        NoteText(strings.statusIntro)
        OutlinedTextField(
            ui.filter, onFilter, Modifier.fillMaxWidth(), label = { Text(strings.filterBySamagra) },
            singleLine = true, keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
        )
        ui.error?.let { ErrorText(it.text(strings)) }
        if (ui.results.isEmpty()) NoteText(strings.noStatusYet)
        ui.results.forEach { line ->
            Note(toneOf(line.state).takeIf { it != Tone.Good || line.state == "approved" } ?: Tone.Neutral) {
                NoteText(strings.pick(line.nameHi, line.nameEn), strong = true)
                NoteText(strings.samagraMemberId(line.memberId))
                Badge(strings.state(line.state), toneOf(line.state))
                line.registrationNumber?.let { NoteText(strings.registrationNumberIs(it), strong = true) }
                if (line.state == "rejected") line.reason?.let { NoteText(strings.rejectedBecause(strings.pick(it.hi, it.en))) }
                if (line.state == "duplicate") NoteText(strings.duplicateOf)
            }
        }
    }
}
