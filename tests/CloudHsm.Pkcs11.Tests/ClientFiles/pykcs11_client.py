#!/usr/bin/python3
"""A PyKCS11 client of libcloudhsm_pkcs11.so, run by the xunit tests (and usable by hand).

    CLOUDHSM_CONFIG=client.json CLOUDHSM_PIN='alice:...' /usr/bin/python3 pykcs11_client.py MODULE sign
    ... pykcs11_client.py MODULE wrap

The PIN comes from the environment (CLOUDHSM_PIN), never from the command line. Each step prints
one line "ok <step> ..." ; the first failure prints "FAIL <step>: <error>" and exits 1.
"sign" prints a JSON line "result {...}" with the EC public point, the data and the signature so
that the caller can check the signature with an independent implementation.
"""
import json
import os
import sys

import PyKCS11
from PyKCS11 import LowLevel

P256 = bytes.fromhex("06082a8648ce3d030107")  # DER OID of prime256v1, the CKA_EC_PARAMS value


def open_session(lib):
    for slot in lib.getSlotList(tokenPresent=True):
        if lib.getTokenInfo(slot).label.strip().startswith("cloudhsm-"):
            session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
            session.login(os.environ["CLOUDHSM_PIN"])
            return session
    raise RuntimeError("no cloudhsm- token")


def step(name, fn):
    try:
        result = fn()
    except Exception as e:  # report and stop: the caller reads the step name
        print(f"FAIL {name}: {e}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)
    return result


def sign(session):
    ec_pub, ec_priv = step("generate-ec", lambda: session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_EC_PARAMS, P256), (PyKCS11.CKA_LABEL, "pykcs11-ec")],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_LABEL, "pykcs11-ec")],
        mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN, None)))
    data = b"signed by PyKCS11 through libcloudhsm_pkcs11.so"
    ecdsa = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)
    signature = bytes(step("sign-ecdsa", lambda: session.sign(ec_priv, data, ecdsa)))
    step("verify-ecdsa", lambda: check(session.verify(ec_pub, data, signature, ecdsa), "the module rejects its own signature"))
    step("verify-ecdsa-tampered", lambda: check(not session.verify(ec_pub, data + b"!", signature, ecdsa), "a changed message verifies"))
    point = bytes(session.getAttributeValue(ec_pub, [PyKCS11.CKA_EC_POINT])[0])

    rsa_pub, rsa_priv = step("generate-rsa", lambda: session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01))],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True)],
        mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR))
    rsa = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)
    rsa_signature = bytes(step("sign-rsa", lambda: session.sign(rsa_priv, data, rsa)))
    step("verify-rsa", lambda: check(session.verify(rsa_pub, data, rsa_signature, rsa), "the module rejects its own signature"))
    modulus = bytes(session.getAttributeValue(rsa_pub, [PyKCS11.CKA_MODULUS])[0])

    aes = step("generate-aes", lambda: session.generateKey(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_TOKEN, False),
         (PyKCS11.CKA_VALUE_LEN, 32), (PyKCS11.CKA_ENCRYPT, True), (PyKCS11.CKA_DECRYPT, True)],
        mecha=PyKCS11.MechanismAESGENERATEKEY))
    iv = bytes(range(16))
    cbc = PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC_PAD, iv)
    secret = b"attack at dawn"
    ciphertext = bytes(step("encrypt-aes", lambda: session.encrypt(aes, secret, cbc)))
    step("decrypt-aes", lambda: check(bytes(session.decrypt(aes, ciphertext, cbc)) == secret, "the round trip changed the data"))

    print("result " + json.dumps({"data": data.hex(), "ecPoint": point.hex(), "ecSignature": signature.hex(),
                                  "rsaModulus": modulus.hex(), "rsaSignature": rsa_signature.hex()}), flush=True)


def wrap(session):
    def aes_key(extra):
        return session.generateKey(
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_TOKEN, False),
             (PyKCS11.CKA_VALUE_LEN, 32)] + extra, mecha=PyKCS11.MechanismAESGENERATEKEY)

    kek = step("generate-kek", lambda: aes_key([(PyKCS11.CKA_WRAP, True), (PyKCS11.CKA_UNWRAP, True)]))
    key = step("generate-key", lambda: aes_key([(PyKCS11.CKA_EXTRACTABLE, True), (PyKCS11.CKA_ENCRYPT, True), (PyKCS11.CKA_DECRYPT, True)]))
    kw = PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_WRAP, None)
    wrapped = bytes(step("wrap", lambda: session.wrapKey(kek, key, kw)))
    step("wrapped-length", lambda: check(len(wrapped) == 40, f"AES key wrap of 32 bytes is 40 bytes, got {len(wrapped)}"))
    unwrapped = step("unwrap", lambda: session.unwrapKey(kek, wrapped,
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_TOKEN, False),
         (PyKCS11.CKA_ENCRYPT, True), (PyKCS11.CKA_DECRYPT, True)], kw))
    cbc = PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC_PAD, bytes(16))
    secret = b"the same key after the round trip"
    ciphertext = bytes(step("encrypt-original", lambda: session.encrypt(key, secret, cbc)))
    step("decrypt-unwrapped", lambda: check(bytes(session.decrypt(unwrapped, ciphertext, cbc)) == secret,
                                            "the unwrapped key is not the wrapped one"))
    step("unwrap-tampered", lambda: check(refused(lambda: session.unwrapKey(kek, wrapped[:-1] + bytes([wrapped[-1] ^ 1]),
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_TOKEN, False)], kw)),
        "a changed wrapped key was accepted"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def refused(fn):
    try:
        fn()
    except PyKCS11.PyKCS11Error:
        return True
    return False


def main():
    module, command = sys.argv[1], sys.argv[2]
    lib = PyKCS11.PyKCS11Lib()
    step("load", lambda: lib.load(module))
    session = step("login", lambda: open_session(lib))
    {"sign": sign, "wrap": wrap}[command](session)
    session.logout()
    session.closeSession()
    print("done", flush=True)


if __name__ == "__main__":
    main()
