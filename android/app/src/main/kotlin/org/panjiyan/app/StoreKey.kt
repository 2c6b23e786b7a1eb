package org.panjiyan.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The store's 32-byte key: made once from the system's random source, kept on disk only
 * encrypted (AES-GCM) by a key that lives in the Android Keystore and never leaves it. The
 * core uses the plain key to encrypt personal data field by field.
 *
 * If the Keystore key is gone (the phone was reset, the app data restored onto another phone)
 * the wrapped key cannot be opened and neither can the store: that is the point.
 */
object StoreKey {
    private const val ALIAS = "panjiyan-store-key"
    private const val KEY_BYTES = 32
    private const val IV_BYTES = 12
    private const val TAG_BITS = 128

    @Synchronized
    fun get(dir: File): ByteArray {
        val file = File(dir, "store.key.wrapped")
        val wrapping = wrappingKey()
        if (file.exists()) {
            val sealed = file.readBytes()
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, wrapping, GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES))
            return cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
        }
        val key = ByteArray(KEY_BYTES).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, wrapping) // the Keystore picks the IV
        val sealed = cipher.iv + cipher.doFinal(key)
        // Written to a temporary file and renamed: a killed app never leaves half a key.
        val tmp = File(dir, "store.key.wrapped.tmp")
        tmp.outputStream().use { it.write(sealed); it.fd.sync() }
        check(tmp.renameTo(file)) { "could not keep the store key" }
        return key
    }

    private fun wrappingKey(): SecretKey {
        val keyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (keyStore.getKey(ALIAS, null) as SecretKey?)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }
}
