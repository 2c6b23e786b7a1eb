package org.panjiyan.ui.text

import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale

/** Numbers the Indian way: 1,16,124 (the last three digits, then groups of two). */
fun indianNumber(n: Long): String {
    val digits = kotlin.math.abs(n).toString()
    val sign = if (n < 0) "-" else ""
    if (digits.length <= 3) return sign + digits
    val head = digits.dropLast(3)
    val groups = head.reversed().chunked(2).map { it.reversed() }.reversed()
    return sign + groups.joinToString(",") + "," + digits.takeLast(3)
}

fun indianNumber(n: Int): String = indianNumber(n.toLong())
fun indianNumber(n: ULong): String = indianNumber(n.toLong())

/** A size in bytes as KB or MB, one decimal for MB. */
fun Strings.size(bytes: Long): String =
    if (bytes < 1024L * 1024L) kilobytes(indianNumber(maxOf(1L, (bytes + 1023) / 1024)))
    else megabytes(String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0)))

/** How long ago an instant was, in the words of this language. */
fun Strings.ago(then: Instant, now: Instant = Instant.now()): String {
    val minutes = Duration.between(then, now).toMinutes().coerceAtLeast(0)
    return when {
        minutes < 1 -> justNow
        minutes < 60 -> minutesAgo(indianNumber(minutes))
        minutes < 48 * 60 -> hoursAgo(indianNumber(minutes / 60))
        else -> daysAgo(indianNumber(minutes / (24 * 60)))
    }
}

/** A date and time on this phone's clock, e.g. "22 नव॰, 18:05" / "22 Nov, 18:05". */
fun Strings.dateTime(at: Instant, zone: ZoneId = ZoneId.systemDefault()): String =
    DateTimeFormatter.ofPattern("d MMM, HH:mm", Locale.forLanguageTag(if (code == "en") "en-IN" else "hi-IN"))
        .format(at.atZone(zone))

/** The core's timestamps are RFC 3339 text; null when they cannot be read. */
fun parseInstant(text: String?): Instant? =
    text?.let { runCatching { OffsetDateTime.parse(it).toInstant() }.getOrNull() }
