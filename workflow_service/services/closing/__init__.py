"""Ending a case: results, 出件, licences, 好差评 and rectification, withdrawal, 退件, 作废 and 归档."""
