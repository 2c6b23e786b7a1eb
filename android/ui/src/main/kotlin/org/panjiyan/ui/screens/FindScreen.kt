package org.panjiyan.ui.screens

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.sp
import org.panjiyan.ui.components.Badge
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.NumericKeypad
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.SecondButton
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.toneOf
import org.panjiyan.ui.state.FindUi
import org.panjiyan.ui.text.Strings
import uniffi.panjiyan_ffi.Member

/** The Samagra ID on a big keypad first; a name search second; the whole family at once. */
@Composable
fun FindScreen(
    ui: FindUi,
    strings: Strings,
    onBack: () -> Unit,
    onLanguage: (String) -> Unit,
    onDigit: (Char) -> Unit,
    onDelete: () -> Unit,
    onClear: () -> Unit,
    onFind: () -> Unit,
    onByName: (Boolean) -> Unit,
    onQuery: (String) -> Unit,
    onShowFamily: (String) -> Unit,
    onRegister: (String) -> Unit,
) {
    Screen(strings.findTitle, strings, onBack, onLanguage) {
        if (!ui.byName) {
            Text(strings.samagraIdLabel, style = MaterialTheme.typography.bodyLarge)
            Note(Tone.Neutral) {
                Text(
                    ui.digits.ifEmpty { "—" },
                    fontSize = 34.sp, fontWeight = FontWeight.Bold, letterSpacing = 3.sp,
                )
            }
            ui.error?.let { ErrorText(it.text(strings)) }
            if (ui.family == null) {
                NumericKeypad(strings, onDigit, onDelete, onClear)
                BigButton(strings.find, onFind, enabled = ui.digits.length >= 8)
            }
            ui.family?.let { family ->
                Note(Tone.Neutral) {
                    NoteText(strings.familyTitle(family.familyId), strong = true)
                    NoteText(strings.pick(family.addressHi, family.addressEn))
                }
                family.members.forEach { m -> MemberCard(m, strings, ui.digits, onRegister) }
                SecondButton(strings.clear, onClear)
            }
            SecondButton(strings.byName, { onByName(true) })
        } else {
            OutlinedTextField(
                ui.query, onQuery, Modifier.fillMaxWidth(),
                label = { Text(strings.byNameHint) }, singleLine = true,
            )
            ui.error?.let { ErrorText(it.text(strings)) }
            if (ui.searched && ui.hits.isEmpty()) NoteText(strings.noOneFound)
            ui.hits.forEach { m -> MemberCard(m, strings, null, null, onShow = onShowFamily) }
            SecondButton(strings.bySamagraId, { onByName(false) })
        }
    }
}

@Composable
private fun MemberCard(
    m: Member,
    strings: Strings,
    lookedUp: String?,
    onRegister: ((String) -> Unit)?,
    onShow: ((String) -> Unit)? = null,
) {
    val onPhone = m.deviceRegistrationState
    val onServer = m.registeredState
    val tone = when {
        onPhone != null || onServer != null -> Tone.Good
        m.memberId == lookedUp -> Tone.Waiting
        else -> Tone.Neutral
    }
    Note(tone) {
        NoteText(strings.pick(m.nameHi, m.nameEn), strong = true)
        NoteText(strings.guardian(strings.pick(m.guardianNameHi, m.guardianNameEn)))
        val age = if (m.birthEstimated) strings.ageEstimated(m.age.toString()) else m.age.toString()
        NoteText(strings.memberLine(strings.relation(m.relation), strings.gender(m.gender), age))
        NoteText(strings.samagraMemberId(m.memberId))
        when {
            onPhone != null -> Badge(strings.registeredOnThisPhone(strings.state(onPhone)), toneOf(onPhone))
            onServer != null -> Badge(strings.alreadyRegistered(strings.state(onServer)), toneOf(onServer))
        }
        m.registrationNumber?.let { NoteText(strings.registrationNumberIs(it), strong = true) }
        if (onRegister != null && onPhone == null && (onServer == null || onServer == "rejected")) {
            BigButton(strings.registerThisWorker, { onRegister(m.memberId) })
        }
        if (onShow != null) SecondButton(strings.showFamily, { onShow(m.memberId) })
    }
}
