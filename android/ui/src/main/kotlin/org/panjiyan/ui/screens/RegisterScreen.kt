package org.panjiyan.ui.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Checkbox
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Note
import org.panjiyan.ui.components.NoteText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.components.SecondButton
import org.panjiyan.ui.components.SectionTitle
import org.panjiyan.ui.components.Tone
import org.panjiyan.ui.components.WarningButton
import org.panjiyan.ui.state.FormFields
import org.panjiyan.ui.state.RegisterUi
import org.panjiyan.ui.state.Step
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.theme.TouchTarget
import uniffi.panjiyan_ffi.Occupation

/** What the register screen asks of its state holder. */
interface RegisterActions {
    fun edit(field: String, change: (FormFields) -> FormFields)
    fun occupationQuery(q: String)
    fun chooseOccupation(o: Occupation?)
    fun review()
    fun backToEdit()
    fun save(acknowledge: Boolean)
    fun discard()
    fun next()
}

/** The member from the pack, the form with the core's checks inline, review, save. */
@Composable
fun RegisterScreen(ui: RegisterUi, strings: Strings, onBack: () -> Unit, onLanguage: (String) -> Unit, act: RegisterActions) {
    val title = when (ui.step) {
        Step.Edit -> strings.registerTitle
        Step.Review -> strings.reviewTitle
        Step.Saved -> strings.savedTitle
    }
    Screen(title, strings, onBack, onLanguage, busy = ui.busy) {
        ui.member?.let { m ->
            Note(Tone.Neutral) {
                NoteText(strings.pick(m.nameHi, m.nameEn), strong = true)
                NoteText(strings.guardian(strings.pick(m.guardianNameHi, m.guardianNameEn)))
                val age = if (m.birthEstimated) strings.ageEstimated(m.age.toString()) else m.age.toString()
                NoteText(strings.memberLine(strings.relation(m.relation), strings.gender(m.gender), age))
                NoteText(strings.samagraMemberId(m.memberId))
            }
        }
        ui.error?.let { ErrorText(it.text(strings)) }
        when (ui.step) {
            Step.Edit -> if (ui.member != null) EditForm(ui, strings, act)
            Step.Review -> Review(ui, strings, act)
            Step.Saved -> {
                Note(Tone.Good) {
                    NoteText(strings.savedTitle, strong = true)
                    NoteText(strings.savedBody)
                }
                BigButton(strings.registerNext, act::next)
            }
        }
    }
}

@Composable
private fun EditForm(ui: RegisterUi, strings: Strings, act: RegisterActions) {
    val f = ui.fields
    Eligibility(ui, strings)

    SectionTitle(strings.occupationLabel)
    val chosen = ui.chosenOccupation
    if (chosen != null) {
        Note(Tone.Good) { NoteText(strings.occupationChosen(strings.pick(chosen.nameHi, chosen.nameEn)), strong = true) }
        SecondButton(strings.changeOccupation, { act.chooseOccupation(null) })
    } else {
        OutlinedTextField(
            ui.occupationQuery, act::occupationQuery, Modifier.fillMaxWidth(),
            label = { Text(strings.occupationSearchHint) }, singleLine = true,
        )
        Column {
            ui.occupations.take(8).forEach { o ->
                Column(
                    Modifier.fillMaxWidth().heightIn(min = TouchTarget).clickable { act.chooseOccupation(o) }
                        .padding(vertical = 6.dp),
                ) {
                    Text(strings.pick(o.nameHi, o.nameEn), style = MaterialTheme.typography.bodyLarge)
                    Text(strings.pick(o.nameEn, o.nameHi), style = MaterialTheme.typography.bodyMedium,
                        color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
                HorizontalDivider()
            }
        }
    }
    Problems(ui.problemsOf("occupation"), strings)

    OutlinedTextField(
        f.mobile, { v -> act.edit("mobile") { it.copy(mobile = v.take(16)) } }, Modifier.fillMaxWidth(),
        label = { Text(strings.mobileLabel) }, supportingText = { Text(strings.mobileHint) }, singleLine = true,
        isError = ui.problemsOf("mobile").isNotEmpty(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone),
    )
    Problems(ui.problemsOf("mobile"), strings)

    SectionTitle(strings.declarationsTitle)
    Check(strings.governmentServant, f.governmentServant) { v -> act.edit("facts") { it.copy(governmentServant = v) } }
    Check(strings.incomeTaxPayer, f.incomeTaxPayer) { v -> act.edit("facts") { it.copy(incomeTaxPayer = v) } }
    Check(strings.epfoEsicMember, f.epfoEsicMember) { v -> act.edit("facts") { it.copy(epfoEsicMember = v) } }
    OutlinedTextField(
        f.landAres, { v -> act.edit("facts") { it.copy(landAres = v.filter(Char::isDigit).take(6)) } },
        Modifier.fillMaxWidth(), label = { Text(strings.landLabel) }, supportingText = { Text(strings.landHint) },
        singleLine = true, keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
    )
    OutlinedTextField(
        f.irrigatedAres, { v -> act.edit("facts") { it.copy(irrigatedAres = v.filter(Char::isDigit).take(6)) } },
        Modifier.fillMaxWidth(), label = { Text(strings.irrigatedLandLabel) },
        singleLine = true, keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
    )

    Check(strings.returnedMigrant, f.returnedMigrant) { v -> act.edit("migrant") { it.copy(returnedMigrant = v) } }
    if (f.returnedMigrant) {
        OutlinedTextField(
            f.migrantState, { v -> act.edit("migrant") { it.copy(migrantState = v.take(60)) } }, Modifier.fillMaxWidth(),
            label = { Text(strings.migrantStateLabel) }, singleLine = true,
        )
        OutlinedTextField(
            f.migrantDistrict, { v -> act.edit("migrant") { it.copy(migrantDistrict = v.take(60)) } }, Modifier.fillMaxWidth(),
            label = { Text(strings.migrantDistrictLabel) }, singleLine = true,
        )
        OutlinedTextField(
            f.migrantMonths, { v -> act.edit("migrant") { it.copy(migrantMonths = v.filter(Char::isDigit).take(3)) } },
            Modifier.fillMaxWidth(), label = { Text(strings.migrantMonthsLabel) }, singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
        )
        OutlinedTextField(
            f.migrantReturnedOn, { v -> act.edit("migrant") { it.copy(migrantReturnedOn = v.take(10)) } },
            Modifier.fillMaxWidth(), label = { Text(strings.migrantReturnedOnLabel) },
            supportingText = { Text(strings.migrantReturnedOnHint) }, singleLine = true,
        )
        OutlinedTextField(
            f.migrantExperience, { v -> act.edit("migrant") { it.copy(migrantExperience = v.filter(Char::isDigit).take(2)) } },
            Modifier.fillMaxWidth(), label = { Text(strings.migrantExperienceLabel) }, singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
        )
        OutlinedTextField(
            f.migrantCertificate, { v -> act.edit("migrant") { it.copy(migrantCertificate = v.take(100)) } },
            Modifier.fillMaxWidth(), label = { Text(strings.migrantCertificateLabel) }, singleLine = true,
        )
        Text(strings.willingToWorkLabel, style = MaterialTheme.typography.bodyLarge)
        for ((code, name) in listOf("block" to strings.willingBlock, "district" to strings.willingDistrict, "state" to strings.willingState)) {
            Row(
                Modifier.fillMaxWidth().heightIn(min = TouchTarget)
                    .clickable { act.edit("migrant") { it.copy(willingToWork = code) } },
                verticalAlignment = Alignment.CenterVertically,
            ) {
                RadioButton(selected = f.willingToWork == code, onClick = null)
                Text(name, style = MaterialTheme.typography.bodyLarge)
            }
        }
        Check(strings.jobConsent, f.jobConsent) { v -> act.edit("migrant") { it.copy(jobConsent = v) } }
        Problems(ui.problemsOf("migrant"), strings)
    }

    SectionTitle(strings.optionalTitle)
    OutlinedTextField(
        f.aadhaar, { v -> act.edit("aadhaar") { it.copy(aadhaar = v.filter { c -> c.isDigit() || c == ' ' }.take(14)) } },
        Modifier.fillMaxWidth(), label = { Text(strings.aadhaarLabel) }, singleLine = true,
        isError = ui.problemsOf("aadhaar").isNotEmpty(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
    )
    Problems(ui.problemsOf("aadhaar"), strings)
    OutlinedTextField(
        f.ifsc, { v -> act.edit("bank_ifsc") { it.copy(ifsc = v.uppercase().take(11)) } },
        Modifier.fillMaxWidth(), label = { Text(strings.ifscLabel) }, singleLine = true,
        isError = ui.problemsOf("bank_ifsc").isNotEmpty(),
    )
    Problems(ui.problemsOf("bank_ifsc"), strings)

    SectionTitle(strings.messageLanguage)
    Row(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
        listOf("hi" to "हिंदी", "en" to "English").forEach { (code, name) ->
            Row(
                Modifier.heightIn(min = TouchTarget).clickable { act.edit("language") { it.copy(messageLanguage = code) } },
                verticalAlignment = Alignment.CenterVertically,
            ) {
                RadioButton(selected = f.messageLanguage == code, onClick = null)
                Text(name, style = MaterialTheme.typography.bodyLarge)
            }
        }
    }

    Check(strings.consentLabel, f.consent) { v -> act.edit("consent") { it.copy(consent = v) } }
    Problems(ui.problemsOf("consent"), strings)
    Problems(ui.otherProblems, strings)

    BigButton(strings.review, act::review)
    NoteText(strings.draftKept)
    SecondButton(strings.discardDraft, act::discard)
}

/** Each failed rule named in the core's own words; doubtful ones to confirm again. */
@Composable
private fun Eligibility(ui: RegisterUi, strings: Strings) {
    val e = ui.eligibility ?: return
    if (e.eligible && e.doubtful.isEmpty()) {
        Note(Tone.Good) { NoteText(strings.eligible, strong = true) }
        return
    }
    if (!e.eligible) {
        Note(Tone.Bad) {
            NoteText(strings.notEligible, strong = true)
            e.failed.forEach { NoteText("• " + strings.pick(it.hi, it.en)) }
        }
    } else {
        Note(Tone.Good) { NoteText(strings.eligible, strong = true) }
    }
    if (e.doubtful.isNotEmpty()) {
        Note(Tone.Waiting) {
            NoteText(strings.checkAgain, strong = true)
            e.doubtful.forEach { NoteText("• " + strings.pick(it.hi, it.en)) }
        }
    }
}

@Composable
private fun Problems(texts: List<uniffi.panjiyan_ffi.Text>, strings: Strings) {
    texts.forEach { ErrorText(strings.pick(it.hi, it.en)) }
}

@Composable
private fun Check(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = TouchTarget)
            .toggleable(value = checked, role = Role.Checkbox, onValueChange = onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Checkbox(checked = checked, onCheckedChange = null)
        Text(label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 8.dp))
    }
}

@Composable
private fun Review(ui: RegisterUi, strings: Strings, act: RegisterActions) {
    val f = ui.fields
    NoteText(strings.reviewIntro)
    Note(Tone.Neutral) {
        Line(strings.occupationLabel, ui.chosenOccupation?.let { strings.pick(it.nameHi, it.nameEn) } ?: strings.notGiven)
        Line(strings.mobileLabel, f.mobile.ifBlank { strings.notGiven })
        Line(strings.governmentServant, if (f.governmentServant) strings.yes else strings.no)
        Line(strings.incomeTaxPayer, if (f.incomeTaxPayer) strings.yes else strings.no)
        Line(strings.epfoEsicMember, if (f.epfoEsicMember) strings.yes else strings.no)
        Line(strings.landLabel, f.landAres.ifBlank { strings.notGiven })
        Line(strings.irrigatedLandLabel, f.irrigatedAres.ifBlank { strings.notGiven })
        // Aadhaar is shown masked even here: only its last four digits are kept.
        Line(strings.aadhaarLabel, f.aadhaar.filter(Char::isDigit).takeLast(4).let { if (it.isEmpty()) strings.notGiven else "XXXX XXXX $it" })
        Line(strings.ifscLabel, f.ifsc.ifBlank { strings.notGiven })
        Line(strings.messageLanguage, if (f.messageLanguage == "en") "English" else "हिंदी")
        Line(strings.consentLabel, if (f.consent) strings.yes else strings.no)
    }
    if (ui.warnings.isNotEmpty()) {
        Note(Tone.Waiting) {
            NoteText(strings.warningsTitle, strong = true)
            ui.warnings.forEach { NoteText("• " + strings.pick(it.hi, it.en)) }
        }
        WarningButton(strings.saveAnyway, { act.save(true) })
    } else {
        BigButton(strings.save, { act.save(false) }, enabled = !ui.busy)
    }
    SecondButton(strings.edit, act::backToEdit)
}

@Composable
private fun Line(label: String, value: String) {
    Column(Modifier.padding(vertical = 2.dp)) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge)
    }
}
