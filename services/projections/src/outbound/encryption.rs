//! The AES encryption of a batch's records, as the national interface's one complete public
//! client sends them: `datas` becomes the Base64 of the AES encryption of the records' JSON
//! array, PKCS#7-padded. The key and the block mode the receiver expects are not public, so
//! both are configuration (HL_OUTBOUND_AES_KEY_FILE, HL_OUTBOUND_AES_MODE and, for CBC,
//! HL_OUTBOUND_AES_IV_FILE). A batch is sealed once, when it is made: the delivery ledger keeps
//! the sealed bytes, so a batch sent again is byte for byte the batch sent first even if the key
//! has changed since.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{
    BlockCipher, BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit, generic_array::GenericArray,
};
use aes::{Aes128, Aes192, Aes256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The block mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Each block on its own (Java's and CryptoJS's default "AES" without a mode).
    Ecb,
    /// Chained from the configured initialisation vector.
    Cbc,
}

#[derive(Clone)]
pub struct DatasCipher {
    mode: Mode,
    key: Vec<u8>,
    iv: [u8; 16],
}

impl std::fmt::Debug for DatasCipher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key and the IV are secrets: never in a log.
        write!(
            formatter,
            "DatasCipher(AES-{}-{:?})",
            self.key.len() * 8,
            self.mode
        )
    }
}

impl DatasCipher {
    /// `key` is 16, 24 or 32 bytes (AES-128, -192, -256); `iv` is 16 bytes, for CBC only.
    pub fn new(mode: Mode, key: &[u8], iv: Option<&[u8]>) -> Result<DatasCipher, String> {
        if ![16, 24, 32].contains(&key.len()) {
            return Err(format!(
                "an AES key is 16, 24 or 32 bytes, this one is {}",
                key.len()
            ));
        }
        let iv = match (mode, iv) {
            (Mode::Ecb, None) => [0; 16],
            (Mode::Ecb, Some(_)) => return Err("ECB takes no initialisation vector".into()),
            (Mode::Cbc, None) => return Err("CBC needs an initialisation vector".into()),
            (Mode::Cbc, Some(iv)) => iv.try_into().map_err(|_| {
                format!(
                    "an AES initialisation vector is 16 bytes, this one is {}",
                    iv.len()
                )
            })?,
        };
        Ok(DatasCipher {
            mode,
            key: key.to_vec(),
            iv,
        })
    }

    /// The Base64 of the encryption of `plain`.
    pub fn encrypt(&self, plain: &[u8]) -> String {
        let sealed = match self.key.len() {
            16 => self.encrypt_with::<Aes128>(plain),
            24 => self.encrypt_with::<Aes192>(plain),
            _ => self.encrypt_with::<Aes256>(plain),
        };
        STANDARD.encode(sealed)
    }

    /// What the receiver does: the plain bytes of an encrypted Base64 text.
    pub fn decrypt(&self, text: &str) -> Result<Vec<u8>, String> {
        let sealed = STANDARD
            .decode(text.trim())
            .map_err(|error| format!("not Base64: {error}"))?;
        match self.key.len() {
            16 => self.decrypt_with::<Aes128>(&sealed),
            24 => self.decrypt_with::<Aes192>(&sealed),
            _ => self.decrypt_with::<Aes256>(&sealed),
        }
    }

    /// A batch's `datas` as sealed: the encryption of the records' JSON array.
    pub fn seal_records(&self, records: &[&serde_json::Value]) -> String {
        self.encrypt(&serde_json::to_vec(records).expect("records serialise"))
    }

    fn encrypt_with<C>(&self, plain: &[u8]) -> Vec<u8>
    where
        C: BlockCipher + BlockEncryptMut + KeyInit,
    {
        let key = GenericArray::from_slice(&self.key);
        match self.mode {
            Mode::Ecb => ecb::Encryptor::<C>::new(key).encrypt_padded_vec_mut::<Pkcs7>(plain),
            Mode::Cbc => cbc::Encryptor::<C>::new(key, GenericArray::from_slice(&self.iv))
                .encrypt_padded_vec_mut::<Pkcs7>(plain),
        }
    }

    fn decrypt_with<C>(&self, sealed: &[u8]) -> Result<Vec<u8>, String>
    where
        C: BlockCipher + BlockDecryptMut + KeyInit,
    {
        let key = GenericArray::from_slice(&self.key);
        match self.mode {
            Mode::Ecb => ecb::Decryptor::<C>::new(key).decrypt_padded_vec_mut::<Pkcs7>(sealed),
            Mode::Cbc => cbc::Decryptor::<C>::new(key, GenericArray::from_slice(&self.iv))
                .decrypt_padded_vec_mut::<Pkcs7>(sealed),
        }
        .map_err(|_| "not sealed with this key (bad padding)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"1234567890abcdef";
    const IV: &[u8] = b"fedcba0987654321";
    const PLAIN: &[u8] = br#"[{"id":"1"}]"#;

    /// A record of two blocks and more, so CBC's chaining shows.
    const RECORDS: &str = r#"[{"id":"a3f1c2d4-0000-5000-8000-000000000001","dangerState":"0"}]"#;

    #[test]
    fn the_encryption_is_the_standard_one() {
        // Known answers from OpenSSL (`openssl enc -aes-128-ecb -K … -nosalt -base64`).
        let ecb = DatasCipher::new(Mode::Ecb, KEY, None).unwrap();
        assert_eq!(ecb.encrypt(PLAIN), "PMdhrnu6F93tj0cRscuJWQ==");
        let cbc = DatasCipher::new(Mode::Cbc, KEY, Some(IV)).unwrap();
        assert_eq!(cbc.encrypt(PLAIN), "uUkEsg9w5LMVFMeO/uX8rQ==");
        assert_eq!(
            cbc.encrypt(RECORDS.as_bytes()),
            "5BZmkVWNS/4z84bmRGdijvINzYbxSA2OFukK3zCIiElSMe6Hiy7/j9qfx4mAt2l3iXerNtBBhFcR4eTWKlGmJ7Q157502hRmYYz8o9YWnmo="
        );
        let wide = DatasCipher::new(Mode::Ecb, b"0123456789abcdef0123456789abcdef", None).unwrap();
        assert_eq!(
            wide.encrypt(RECORDS.as_bytes()),
            "minxVD8kkaR1AFpgXvl1LQwprGyfinzrL+fcjLhDel0h9dAJnnd6P5AbSecri1W0KKSgPAs4QX2DNzVO+mjG3BfXa967jx4dgPBhj+AlC3U="
        );
        let middle = DatasCipher::new(Mode::Cbc, b"0123456789abcdef01234567", Some(IV)).unwrap();
        assert_eq!(
            middle.encrypt(RECORDS.as_bytes()),
            "wG7myJHa7+EBpfwjq6AZD/V/15MR/hcK9kA5karec/E3wXwpt7vUgk6U9GuZv9KFW4YYUxdI8Eesg8jBagCNJHXGsrEbDTB4yFC80TsuitQ="
        );
        for cipher in [ecb, cbc, wide, middle] {
            assert_eq!(cipher.decrypt(&cipher.encrypt(PLAIN)).unwrap(), PLAIN);
        }
    }

    #[test]
    fn the_records_are_sealed_as_their_json_array() {
        let cipher = DatasCipher::new(Mode::Ecb, KEY, None).unwrap();
        let record = serde_json::json!({"id": "1"});
        assert_eq!(cipher.seal_records(&[&record]), "PMdhrnu6F93tj0cRscuJWQ==");
    }

    #[test]
    fn a_key_or_vector_of_the_wrong_size_is_refused() {
        assert!(DatasCipher::new(Mode::Ecb, b"short", None).is_err());
        assert!(DatasCipher::new(Mode::Ecb, KEY, Some(IV)).is_err());
        assert!(DatasCipher::new(Mode::Cbc, KEY, None).is_err());
        assert!(DatasCipher::new(Mode::Cbc, KEY, Some(b"8 bytes!")).is_err());
        let cipher = DatasCipher::new(Mode::Ecb, KEY, None).unwrap();
        assert!(cipher.decrypt("not base64!").is_err());
    }

    #[test]
    fn the_key_never_shows_in_debug() {
        let cipher = DatasCipher::new(Mode::Ecb, KEY, None).unwrap();
        assert_eq!(format!("{cipher:?}"), "DatasCipher(AES-128-Ecb)");
    }
}
