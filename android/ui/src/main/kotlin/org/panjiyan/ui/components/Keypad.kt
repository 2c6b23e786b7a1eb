package org.panjiyan.ui.components

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import org.panjiyan.ui.text.Strings

/**
 * Big digit keys in a phone's layout, for typing a Samagra ID without the system keyboard
 * covering half the screen: each key is a third of the width and 64 dp high.
 */
@Composable
fun NumericKeypad(strings: Strings, onDigit: (Char) -> Unit, onDelete: () -> Unit, onClear: () -> Unit) {
    val rows = listOf("123", "456", "789")
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        rows.forEach { row ->
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                row.forEach { d -> Key(d.toString(), null, Modifier.weight(1f)) { onDigit(d) } }
            }
        }
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Key(strings.clear, null, Modifier.weight(1f), small = true, onClick = onClear)
            Key("0", null, Modifier.weight(1f)) { onDigit('0') }
            Key("⌫", strings.deleteDigit, Modifier.weight(1f), onClick = onDelete)
        }
    }
}

@Composable
private fun Key(label: String, description: String?, modifier: Modifier, small: Boolean = false, onClick: () -> Unit) {
    FilledTonalButton(
        onClick = onClick,
        modifier = modifier.height(64.dp).let { m ->
            if (description != null) m.semantics { contentDescription = description } else m
        },
    ) {
        Text(
            label,
            fontSize = if (small) MaterialTheme.typography.labelLarge.fontSize else 28.sp,
            fontWeight = FontWeight.Bold,
        )
    }
}
