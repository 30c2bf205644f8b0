/* SPDX-License-Identifier: MIT */
/*
 * SPDM wire formats, each defined once: byte offsets from the start of the message (the
 * SPDM header's version byte) and fixed lengths, with the DMTF specification section they
 * come from (DSP0274 1.2.1 / 1.3.0 "message format" tables, DSP0277 1.2 for secured messages).
 * Multi-byte fields are little-endian; crypto values (ECDHE points, signatures) big-endian.
 * Variable parts (hash, signature and DHE sizes H, S, D) are given as functions of the fixed
 * offset after which they start.
 */
#ifndef SPDM_WIRE_H
#define SPDM_WIRE_H

/* SPDM message header, every message (DSP0274 "Generic SPDM message format"). */
#define SPDM_OFF_VERSION 0
#define SPDM_OFF_CODE 1
#define SPDM_OFF_PARAM1 2
#define SPDM_OFF_PARAM2 3
#define SPDM_HDR_LEN 4

/* VERSION (DSP0274 GET_VERSION / VERSION): reserved, entry count, u16 entries
 * (bits 15:12 major, 11:8 minor, 7:4 update, 3:0 alpha). */
#define SPDM_VERSION_OFF_COUNT 5
#define SPDM_VERSION_OFF_ENTRIES 6
#define SPDM_VERSION_ENTRY_LEN 2

/* GET_CAPABILITIES / CAPABILITIES (1.2 and 1.3 alike; 1.3 param1 bit 0 asks for, and flags,
 * an appended supported-algorithms block, which Moat never asks for). */
#define SPDM_CAPS_OFF_CT_EXP 5
#define SPDM_CAPS_OFF_FLAGS 8
#define SPDM_CAPS_OFF_DTS 12	 /* DataTransferSize */
#define SPDM_CAPS_OFF_MAX_MSG 16 /* MaxSPDMmsgSize */
#define SPDM_CAPS_LEN 20

/* NEGOTIATE_ALGORITHMS: param1 = number of AlgStruct tables; u16 Length; MeasurementSpecification;
 * OtherParamsSupport; BaseAsymAlgo; BaseHashAlgo; 12 reserved (1.3: byte 31 MELSpecification);
 * ExtAsymCount, ExtHashCount at 28 and 29; then ExtAsym, ExtHash, AlgStruct tables. */
#define SPDM_NEG_OFF_LENGTH 4
#define SPDM_NEG_OFF_MEAS_SPEC 6
#define SPDM_NEG_OFF_OTHER 7
#define SPDM_NEG_OFF_ASYM 8
#define SPDM_NEG_OFF_HASH 12
#define SPDM_NEG_OFF_MEL_SPEC 31 /* 1.3 */
#define SPDM_NEG_LEN 32
/* ALGORITHMS: the same to 7, then MeasurementHashAlgo, BaseAsymSel, BaseHashSel, 11 reserved,
 * (1.3) MELSpecificationSel at 31, ExtAsymSelCount 32, ExtHashSelCount 33, reserved u16. */
#define SPDM_ALGS_OFF_LENGTH 4
#define SPDM_ALGS_OFF_MEAS_SPEC 6
#define SPDM_ALGS_OFF_OTHER 7
#define SPDM_ALGS_OFF_MEAS_HASH 8
#define SPDM_ALGS_OFF_ASYM 12
#define SPDM_ALGS_OFF_HASH 16
#define SPDM_ALGS_OFF_MEL_SPEC 31 /* 1.3 */
#define SPDM_ALGS_OFF_EXT_ASYM 32
#define SPDM_ALGS_OFF_EXT_HASH 33
#define SPDM_ALGS_LEN 36
/* AlgStruct (both directions): AlgType, AlgCount (bits 7:4 fixed-byte count, 3:0 extended
 * count), AlgSupported (u16 with a fixed count of 2). */
#define SPDM_ALG_OFF_TYPE 0
#define SPDM_ALG_OFF_COUNT 1
#define SPDM_ALG_OFF_SUPPORTED 2
#define SPDM_ALG_LEN 4
#define SPDM_ALG_COUNT_FIXED2 0x20

/* DIGESTS: param2 = provisioned slot mask (1.3 param1: supported slot mask), then one digest
 * per provisioned slot, ascending. */
#define SPDM_DIGESTS_OFF_DIGEST 4

/* GET_CERTIFICATE: param1 bits 3:0 SlotID; u16 Offset; u16 Length. */
#define SPDM_GETCERT_OFF_OFFSET 4
#define SPDM_GETCERT_OFF_LENGTH 6
#define SPDM_GETCERT_LEN 8
/* CERTIFICATE: param1 bits 3:0 SlotID (1.3 param2: CertificateInfo); u16 PortionLength;
 * u16 RemainderLength; the portion. */
#define SPDM_CERT_OFF_PORTION 4
#define SPDM_CERT_OFF_REMAINDER 6
#define SPDM_CERT_OFF_DATA 8
/* The certificate chain in a slot (DSP0274 "Certificate chain format", 1.2/1.3): u16 Length
 * of the whole structure, u16 reserved, RootHash[H], then the DER certificates root first. */
#define SPDM_CHAIN_OFF_LENGTH 0
#define SPDM_CHAIN_OFF_ROOT_HASH 4

/* u16 OpaqueDataLength ahead of opaque data (CHALLENGE_AUTH, MEASUREMENTS, KEY_EXCHANGE[_RSP]). */
#define SPDM_OPAQUE_LEN_LEN 2

/* Signatures (DSP0274 1.2/1.3 "Signature generation"): the signed message starts with a
 * 100-byte prefix, "dmtf-spdm-v1.x.*" four times (the version digits at 11 and 13), zero
 * padding, the context string ending at byte 100; then the transcript digest. */
#define SPDM_SIGN_PREFIX_LEN 100
#define SPDM_SIGN_VERSION_LEN 16
#define SPDM_SIGN_VERSION_COUNT 4
#define SPDM_SIGN_VERSION_OFF_DIGITS 11
#define SPDM_SIGN_CONTEXT_MAX 36
/* Key schedule (DSP0274 "BinConcat"): u16 Length, "spdm1.x " (8 bytes, the version digits at 4),
 * label, context. */
#define SPDM_BINCONCAT_VERSION_LEN 8
#define SPDM_BINCONCAT_OFF_DIGITS 4

/* Nonces and the 1.3 RequesterContext (CHALLENGE, GET_MEASUREMENTS, echoed in the response). */
#define SPDM_NONCE_LEN 32
#define SPDM_REQ_CONTEXT_LEN 8

/* CHALLENGE: param1 SlotID, param2 MeasurementSummaryHashType; Nonce; (1.3) RequesterContext. */
#define SPDM_CHAL_OFF_NONCE 4
#define SPDM_CHAL_OFF_CONTEXT (SPDM_CHAL_OFF_NONCE + SPDM_NONCE_LEN)
#define SPDM_CHAL_LEN SPDM_CHAL_OFF_CONTEXT /* 36; 1.3: + RequesterContext = 44 */
/* CHALLENGE_AUTH: param1 bits 3:0 SlotID, param2 SlotMask; CertChainHash[H]; Nonce;
 * MeasurementSummaryHash[H or 0]; u16 OpaqueDataLength; opaque; (1.3) RequesterContext;
 * Signature[S]. */
#define SPDM_CHAUTH_OFF_CHAIN_HASH 4
#define SPDM_CHAUTH_OFF_NONCE(h) (SPDM_CHAUTH_OFF_CHAIN_HASH + (h))
#define SPDM_CHAUTH_OFF_OPAQUE_LEN(h) (SPDM_CHAUTH_OFF_NONCE(h) + SPDM_NONCE_LEN)

/* GET_MEASUREMENTS: param1 attributes (bit 0 signature), param2 operation; with a signature:
 * Nonce, SlotIDParam; (1.3, always) RequesterContext. */
#define SPDM_GETMEAS_ATTR_SIGN 0x01
#define SPDM_GETMEAS_OP_ALL 0xff
#define SPDM_GETMEAS_OFF_NONCE 4
#define SPDM_GETMEAS_OFF_SLOT (SPDM_GETMEAS_OFF_NONCE + SPDM_NONCE_LEN)
#define SPDM_GETMEAS_OFF_CONTEXT (SPDM_GETMEAS_OFF_SLOT + 1)
#define SPDM_GETMEAS_SIGNED_LEN SPDM_GETMEAS_OFF_CONTEXT /* 37; 1.3: 45 */
/* MEASUREMENTS: param2 bits 3:0 SlotID; NumberOfBlocks; u24 MeasurementRecordLength; record;
 * Nonce; u16 OpaqueDataLength; opaque; (1.3) RequesterContext; Signature[S]. */
#define SPDM_MEAS_OFF_NBLOCKS 4
#define SPDM_MEAS_OFF_RECORD_LEN 5 /* 24 bits */
#define SPDM_MEAS_OFF_RECORD 8
/* A measurement block: Index, MeasurementSpecification (bit 0 DMTF), u16 MeasurementSize,
 * then (DMTF) ValueType, u16 ValueSize, value. */
#define SPDM_MBLK_OFF_INDEX 0
#define SPDM_MBLK_OFF_SPEC 1
#define SPDM_MBLK_OFF_SIZE 2
#define SPDM_MBLK_HDR_LEN 4
#define SPDM_MBLK_OFF_DMTF_VSIZE 5
#define SPDM_MBLK_DMTF_HDR_LEN 3

/* KEY_EXCHANGE: param1 MeasurementSummaryHashType, param2 SlotID; u16 ReqSessionID;
 * SessionPolicy; reserved; RandomData[32]; ExchangeData[D]; u16 OpaqueDataLength; opaque. */
#define SPDM_KEX_OFF_SESSION_ID 4
#define SPDM_KEX_OFF_POLICY 6
#define SPDM_KEX_OFF_RANDOM 8
#define SPDM_KEX_OFF_EXCHANGE 40
#define SPDM_KEX_OFF_OPAQUE_LEN(d) (SPDM_KEX_OFF_EXCHANGE + (d))
/* KEY_EXCHANGE_RSP: param1 HeartbeatPeriod; u16 RspSessionID; MutAuthRequested;
 * ReqSlotIDParam; RandomData[32]; ExchangeData[D]; MeasurementSummaryHash[H or 0];
 * u16 OpaqueDataLength; opaque; Signature[S]; ResponderVerifyData[H]. */
#define SPDM_KEXR_OFF_SESSION_ID 4
#define SPDM_KEXR_OFF_MUT_AUTH 6
#define SPDM_KEXR_OFF_EXCHANGE 40
#define SPDM_KEXR_OFF_OPAQUE_LEN(d) (SPDM_KEXR_OFF_EXCHANGE + (d))
#define SPDM_RANDOM_LEN 32
/* FINISH: param1 bit 0 signature included (mutual authentication only), param2 ReqSlotID;
 * RequesterVerifyData[H]. FINISH_RSP: header (+ ResponderVerifyData with handshake in the
 * clear, which Moat never negotiates). */
#define SPDM_FINISH_OFF_VERIFY 4

/* KEY_UPDATE / KEY_UPDATE_ACK: param1 operation, param2 tag. */
#define SPDM_KEY_UPDATE_OP_UPDATE 1
#define SPDM_KEY_UPDATE_OP_UPDATE_ALL 2
#define SPDM_KEY_UPDATE_OP_VERIFY 3

/* VENDOR_DEFINED_REQUEST / RESPONSE: u16 StandardID; VendorIDLen; VendorID[len];
 * u16 payload length; payload. */
#define SPDM_VDM_OFF_STANDARD 4
#define SPDM_VDM_OFF_VID_LEN 6
#define SPDM_VDM_OFF_VID 7
#define SPDM_VDM_OFF_LEN(vl) (SPDM_VDM_OFF_VID + (vl))
#define SPDM_VDM_HDR_LEN(vl) (SPDM_VDM_OFF_LEN(vl) + 2)

/* ERROR: param1 ErrorCode, param2 ErrorData, then extended data. ResponseNotReady's: RDTExponent,
 * RequestCode, Token, RDTM. LargeResponse's (1.2): Handle. */
#define SPDM_ERR_OFF_CODE SPDM_OFF_PARAM1
#define SPDM_ERR_OFF_DATA SPDM_OFF_PARAM2
#define SPDM_ERR_NR_OFF_RDT_EXP 4
#define SPDM_ERR_NR_OFF_CODE 5
#define SPDM_ERR_NR_OFF_TOKEN 6
#define SPDM_ERR_NR_OFF_RDTM 7
#define SPDM_ERR_NR_LEN 8
#define SPDM_ERR_LARGE_OFF_HANDLE 4
#define SPDM_ERR_LARGE_LEN 5
/* RESPOND_IF_READY: param1 the original request code, param2 the token. */

/* CHUNK_SEND (1.2): param1 bit 0 LastChunk, param2 Handle; u16 ChunkSeqNo; u16 reserved;
 * u32 ChunkSize; (ChunkSeqNo 0 only) u32 LargeMessageSize; the chunk. */
#define SPDM_CHUNK_LAST 0x01
#define SPDM_CHUNK_OFF_SEQ 4
#define SPDM_CHUNK_OFF_SIZE 8
#define SPDM_CHUNK_OFF_LARGE_SIZE 12
#define SPDM_CHUNK_HDR_LEN 12	    /* the chunk starts here, */
#define SPDM_CHUNK_FIRST_HDR_LEN 16 /* or here in the first one */
/* CHUNK_SEND_ACK: param1 bit 0 EarlyErrorDetected, param2 Handle; u16 ChunkSeqNo; after the
 * last chunk, the response to the large request. */
#define SPDM_CHUNK_ACK_EARLY_ERROR 0x01
#define SPDM_CHUNK_ACK_OFF_SEQ 4
#define SPDM_CHUNK_ACK_OFF_RESPONSE 6
/* CHUNK_GET: param2 Handle; u16 ChunkSeqNo. CHUNK_RESPONSE: as CHUNK_SEND. */
#define SPDM_CHUNK_GET_OFF_SEQ 4
#define SPDM_CHUNK_GET_LEN 6

/* The general opaque data format (DSP0274 1.2 "General opaque data format", OpaqueDataFmt1):
 * TotalElements, 3 reserved; each element: ID (0 = DMTF), VendorLen, VendorID[len],
 * u16 OpaqueElementDataLen, data, zero padding to a 4-byte boundary. */
#define SPDM_OPAQUE_OFF_TOTAL 0
#define SPDM_OPAQUE_HDR_LEN 4
#define SPDM_OPQ_EL_OFF_ID 0
#define SPDM_OPQ_EL_OFF_VENDOR_LEN 1
#define SPDM_OPQ_EL_OFF_VENDOR 2
#define SPDM_OPQ_ID_DMTF 0
/* DSP0277 1.2 "Secured message version": the DMTF element's data is SMDataVersion (1),
 * SMDataID (0 VersionSelection, 1 SupportedVersionList), then SelectedVersion (u16) or
 * VersionCount and u16 versions (bits 15:12 major, 11:8 minor). */
#define SPDM_SM_OFF_DATA_VERSION 0
#define SPDM_SM_OFF_DATA_ID 1
#define SPDM_SM_OFF_SELECTED 2
#define SPDM_SM_OFF_COUNT 2
#define SPDM_SM_OFF_VERSIONS 3
#define SPDM_SM_DATA_VERSION 1
#define SPDM_SM_ID_VERSION_SELECTION 0
#define SPDM_SM_ID_SUPPORTED_VERSION 1

/* DSP0277 1.2 secured message: u32 SessionID; sequence number (transport-specific size, none
 * on PCI DOE); u16 Length (of what follows); then under the AEAD: u16 ApplicationDataLength,
 * the SPDM message, random padding (none on PCI DOE); then the 16-byte MAC. */
#define SPDM_REC_OFF_SESSION_ID 0
#define SPDM_REC_OFF_SEQ 4
#define SPDM_REC_APP_LEN_LEN 2
#define SPDM_AEAD_TAG_LEN 16

#endif
