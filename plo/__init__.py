"""PLO messages (pleie- og omsorgsmeldinger, PLO 1.6 in the MsgHead 1.2 envelope, AppRec 1.1
receipts, Dialogmelding 1.1): the channel hospital and municipal EPJ systems already use.
The published schemas and examples are in plo/standards/ (see its manifest and examples.json)."""
